; Elixir: modules, protocols (as interfaces), public/private functions, guards, delegates, macros.
; Docs are `@doc`/`@moduledoc` strings (captured as @doc), else `#` comment runs above.
; Consecutive clauses of one function are merged into one symbol.

(call
  target: (identifier) @_keyword (#any-of? @_keyword "defmodule" "defimpl")
  (arguments . (alias) @name)) @definition.module

(call
  target: (identifier) @_keyword (#eq? @_keyword "defprotocol")
  (arguments . (alias) @name)) @definition.interface

(call
  target: (identifier) @_keyword (#any-of? @_keyword "defmodule" "defprotocol")
  (arguments . (alias) @name)
  (do_block
    (unary_operator
      operand: (call target: (identifier) @_doc (#eq? @_doc "moduledoc") (arguments . [(string) (sigil)] @doc))))) @documented

(call
  target: (identifier) @_keyword (#any-of? @_keyword "def" "defp" "defdelegate" "defguard" "defguardp")
  (arguments .
    [(call target: (identifier) @name)
     (identifier) @name
     (binary_operator left: (call target: (identifier) @name))])) @definition.function

(call
  target: (identifier) @_keyword (#any-of? @_keyword "def" "defp" "defmacro" "defmacrop")
  (arguments .
    [(call target: (identifier) @name)
     (binary_operator left: (call target: (identifier) @name))]
    (keywords) @body)) @definition.function

(call
  target: (identifier) @_keyword (#any-of? @_keyword "defmacro" "defmacrop")
  (arguments .
    [(call target: (identifier) @name)
     (identifier) @name
     (binary_operator left: (call target: (identifier) @name))])) @definition.macro

((unary_operator
   operand: (call target: (identifier) @_doc (#eq? @_doc "doc") (arguments . [(string) (sigil)] @doc)))
 .
 (call
   target: (identifier) @_keyword (#any-of? @_keyword "def" "defmacro" "defguard" "defdelegate")
   (arguments .
     [(call target: (identifier) @name)
      (identifier) @name
      (binary_operator left: (call target: (identifier) @name))])) @documented)
