; Haskell: functions (consecutive equations of one function are merged), data types, newtypes,
; type synonyms, type classes (as interfaces, their method signatures as methods), type families.

(function name: (variable) @name) @definition.function
(data_type name: (name) @name) @definition.type
(newtype name: (name) @name) @definition.type
(type_synonym name: (name) @name) @definition.type
(type_family name: (name) @name) @definition.type
(class name: (name) @name) @definition.interface
(class_declarations (signature name: (variable) @name) @definition.function)
