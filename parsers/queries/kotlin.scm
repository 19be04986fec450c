; Kotlin: classes (data, sealed, enum, interface), objects, functions and methods, properties with a getter
; (as functions: methods in a class), type aliases.
; General patterns first: at equal width the later (more specific) pattern decides the kind.

(class_declaration name: (identifier) @name) @definition.class
(class_declaration "interface" name: (identifier) @name) @definition.interface
(class_declaration (modifiers (class_modifier "enum")) name: (identifier) @name) @definition.enum
(object_declaration name: (identifier) @name) @definition.class
(function_declaration name: (identifier) @name) @definition.function
(type_alias type: (identifier) @name) @definition.type
(property_declaration
  (variable_declaration (identifier) @name)
  (getter) @body) @definition.function
