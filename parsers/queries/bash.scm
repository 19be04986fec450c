; Bash: functions (both `name()` and `function name` forms).

(function_definition name: (word) @name) @definition.function
