; Lua: global, local and table functions (`M.f`, qualified as M.f), methods (`M:f`, as M.f), functions
; assigned to names or table fields (`M.f = function`, as M.f), functions in table constructors.

(function_declaration name: (identifier) @name) @definition.function
(function_declaration
  name: (dot_index_expression table: (_) @qualifier field: (identifier) @name)) @definition.function
(function_declaration
  name: (method_index_expression table: (_) @qualifier method: (identifier) @name)) @definition.method
(assignment_statement
  (variable_list name: (identifier) @name)
  (expression_list value: (function_definition body: (_) @body))) @definition.function
(assignment_statement
  (variable_list name: (dot_index_expression table: (_) @qualifier field: (identifier) @name))
  (expression_list value: (function_definition body: (_) @body))) @definition.function
(field
  name: (identifier) @name
  value: (function_definition body: (_) @body)) @definition.function
