; Python: functions (methods inside classes), classes; docstrings are the first string of the body.
; A decorated definition is captured whole, so decorators are part of the span (not of the signature).

(function_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc))?) @definition.function

(decorated_definition
  definition: (function_definition
    name: (identifier) @name
    body: (block . (expression_statement (string) @doc))?)) @definition.function

(class_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc))?) @definition.class

(decorated_definition
  definition: (class_definition
    name: (identifier) @name
    body: (block . (expression_statement (string) @doc))?)) @definition.class
