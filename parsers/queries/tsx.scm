; TSX is TypeScript with JSX: the same definitions, by the same node names.
; inherits: typescript
