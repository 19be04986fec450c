; TypeScript: functions, arrow functions and function expressions bound to names (variables, object keys,
; class fields, `exports.x`, `obj.x`, `Foo.prototype.x`), classes, methods, interfaces, type aliases,
; enums and namespaces.

(function_declaration
  name: (identifier) @name) @definition.function

(generator_function_declaration
  name: (identifier) @name) @definition.function

(function_signature
  name: (identifier) @name) @definition.function

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function

(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function

(class_declaration
  name: (type_identifier) @name) @definition.class

(abstract_class_declaration
  name: (type_identifier) @name) @definition.class

(method_definition
  name: [(property_identifier) (private_property_identifier)] @name) @definition.method

(method_signature
  name: (property_identifier) @name) @definition.method

(abstract_method_signature
  name: (property_identifier) @name) @definition.method

(interface_declaration
  name: (type_identifier) @name) @definition.interface

(type_alias_declaration
  name: (type_identifier) @name) @definition.type

(enum_declaration
  name: (identifier) @name) @definition.enum

(internal_module
  name: [(identifier) (nested_identifier)] @name) @definition.module

(module
  name: [(identifier) (nested_identifier)] @name) @definition.module

; Class fields holding functions: `handle = (event) => {…}` (a method).
(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name
  value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]) @definition.method

; Old-style assignments (also chained, `req.get = req.header = function`): `exports.x = function`, `module.exports.x = () =>` (module functions, named x),
; `Foo.prototype.bar = function` (a method, qualified Foo.bar), `res.json = function json` (a method of
; res, qualified res.json), `this.x = function` in a constructor function (a method), and
; `module.exports = function name` (named by the function).

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (identifier) @_exports (#eq? @_exports "exports")
      property: (property_identifier) @name)
    right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)
            (assignment_expression right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])])) @definition.function

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (member_expression
        object: (identifier) @_module (#eq? @_module "module")
        property: (property_identifier) @_exports (#eq? @_exports "exports"))
      property: (property_identifier) @name)
    right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)
            (assignment_expression right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])])) @definition.function

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (member_expression
        object: [(identifier) (member_expression)] @qualifier
        property: (property_identifier) @_prototype (#eq? @_prototype "prototype"))
      property: (property_identifier) @name)
    right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)
            (assignment_expression right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])])) @definition.method

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (identifier) @qualifier (#not-match? @qualifier "^(exports|module)$")
      property: (property_identifier) @name)
    right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)
            (assignment_expression right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])])) @definition.method

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (member_expression) @qualifier (#not-match? @qualifier "(^module[.]exports|[.]prototype)$")
      property: (property_identifier) @name)
    right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)
            (assignment_expression right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])])) @definition.method

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (this)
      property: (property_identifier) @name)
    right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)
            (assignment_expression right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])])) @definition.method

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (identifier) @_module (#eq? @_module "module")
      property: (property_identifier) @_exports (#eq? @_exports "exports"))
    right: (function_expression name: (identifier) @name body: (_) @body))) @definition.function

; A module that is one anonymous function (minimist, qs's parse): `module.exports = function (args, opts) {…}`
; or `=> …`, named `module.exports`, so the functions declared inside it are `module.exports.inner`; the same
; bound to a name as well (`var proto = module.exports = function (options)`, named by the variable); and an
; anonymous `export default function (…)` / `export default (…) =>`, named `default`.
(expression_statement
  (assignment_expression
    left: (member_expression
      object: (identifier) @qualifier (#eq? @qualifier "module")
      property: (property_identifier) @name (#eq? @name "exports"))
    right: [(function_expression !name body: (_) @body) (arrow_function body: (_) @body)])) @definition.function

([(lexical_declaration
   (variable_declarator
     name: (identifier) @name
     value: (assignment_expression
       right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])))
  (variable_declaration
   (variable_declarator
     name: (identifier) @name
     value: (assignment_expression
       right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])))]) @definition.function

(export_statement
  "default" @name
  value: [(function_expression !name body: (_) @body) (arrow_function body: (_) @body)]) @definition.function

; Functions as values of object literal keys: `{ get: function (key) {…}, set: (k, v) => v }`.
(pair
  key: [(property_identifier) (string (string_fragment))] @name
  value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]) @definition.function

; An object literal bound to a name, or assigned to `Foo.prototype`, qualifies the functions inside it
; (`api.get`, `Foo.bar`) without being a symbol itself.
(variable_declarator name: (identifier) @name value: (object)) @scope
(assignment_expression
  left: (member_expression
    object: (identifier) @name
    property: (property_identifier) @_prototype (#eq? @_prototype "prototype"))
  right: (object)) @scope

; A function wrapped by a call and bound to a name: `const Button = forwardRef((props, ref) => …)`,
; `var camelCase = createCompounder(function (result, word) {…})`; not a value computed with a callback
; (`const keys = list.filter((k) => …)`).
([(lexical_declaration
   (variable_declarator
     name: (identifier) @name
     value: (call_expression
       function: [(identifier) (member_expression property: (property_identifier) @_method (#not-match? @_method "^(filter|map|flatMap|reduce|reduceRight|find|findIndex|findLast|some|every|sort|forEach|then|catch|finally|replace)$"))]
       arguments: (arguments [(arrow_function body: (_) @body) (function_expression body: (_) @body)]))))
  (variable_declaration
   (variable_declarator
     name: (identifier) @name
     value: (call_expression
       function: [(identifier) (member_expression property: (property_identifier) @_method (#not-match? @_method "^(filter|map|flatMap|reduce|reduceRight|find|findIndex|findLast|some|every|sort|forEach|then|catch|finally|replace)$"))]
       arguments: (arguments [(arrow_function body: (_) @body) (function_expression body: (_) @body)]))))]) @definition.function

; A named function passed to a call at statement level: `defineGetter(req, 'protocol', function protocol() {…})`.
(expression_statement
  (call_expression
    arguments: (arguments (function_expression name: (identifier) @name body: (_) @body)))) @definition.function
