; C++: functions and methods (in-class, and out-of-class `Foo::bar` qualified as Foo.bar), prototypes,
; classes, structs, unions, enums, typedefs/aliases and function-like macros; namespaces qualify them.

(function_definition
  declarator: [(function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name)
               (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier)] @name))
               (reference_declarator (function_declarator declarator: [(identifier) (field_identifier)] @name))]) @definition.function

(template_declaration
  (function_definition
    declarator: [(function_declarator declarator: [(identifier) (field_identifier)] @name)
                 (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier)] @name))
                 (reference_declarator (function_declarator declarator: [(identifier) (field_identifier)] @name))])) @definition.function

(function_definition
  declarator: [(function_declarator
                 declarator: (qualified_identifier scope: (_) @qualifier name: (_) @name))
               (pointer_declarator declarator: (function_declarator
                 declarator: (qualified_identifier scope: (_) @qualifier name: (_) @name)))
               (reference_declarator (function_declarator
                 declarator: (qualified_identifier scope: (_) @qualifier name: (_) @name)))]) @definition.method

(field_declaration
  declarator: [(function_declarator declarator: [(field_identifier) (operator_name)] @name)
               (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))
               (reference_declarator (function_declarator declarator: (field_identifier) @name))]) @definition.function

(declaration
  declarator: [(function_declarator declarator: (identifier) @name)
               (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))]) @definition.function

(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(template_declaration (class_specifier name: (type_identifier) @name body: (field_declaration_list))) @definition.class
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(template_declaration (struct_specifier name: (type_identifier) @name body: (field_declaration_list))) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
; A namespace qualifies what it holds (`kiwi.Solver.addConstraint`) without being a symbol itself: it is a
; whole file's worth of code, and its head would only repeat the first definition inside it. Unlike a class, its
; functions stay functions.
(namespace_definition name: [(namespace_identifier) (nested_namespace_specifier)] @name) @namespace
(type_definition declarator: (type_identifier) @name) @definition.type
(alias_declaration name: (type_identifier) @name) @definition.type
(preproc_function_def name: (identifier) @name) @definition.macro
