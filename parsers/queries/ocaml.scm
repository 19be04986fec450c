; OCaml: functions (let-bindings with parameters or a fun/function body), `val` specifications,
; types, modules and module types (their members are qualified Module.name). Plain values are skipped.

(value_definition . (let_binding pattern: (value_name) @name (parameter))) @definition.function
(let_binding pattern: (value_name) @name (parameter)) @definition.function
(value_definition . (let_binding pattern: (value_name) @name body: [(fun_expression) (function_expression)])) @definition.function
(let_binding pattern: (value_name) @name body: [(fun_expression) (function_expression)]) @definition.function
(value_specification (value_name) @name) @definition.function
(external (value_name) @name) @definition.function
(type_definition . (type_binding name: (type_constructor) @name)) @definition.type
(type_binding name: (type_constructor) @name) @definition.type
(module_definition (module_binding (module_name) @name)) @definition.module
(module_type_definition (module_type_name) @name) @definition.module
(class_definition (class_binding name: (class_name) @name)) @definition.class
