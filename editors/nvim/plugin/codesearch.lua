-- :CodeSearch {query}      hits into the quickfix list (jumps to the first with !)
-- :CodeSearchPick {query}  hits in a picker (vim.ui.select), jump to the chosen one
-- :CodeSearchIndex[!]      reindex the current file's repository (! every indexed repository)
if vim.g.loaded_codesearch then
  return
end
vim.g.loaded_codesearch = true

vim.api.nvim_create_user_command("CodeSearch", function(cmd)
  require("codesearch").quickfix(cmd.args, { jump = cmd.bang })
end, { nargs = "+", bang = true, desc = "codesearch: hits into the quickfix list" })

vim.api.nvim_create_user_command("CodeSearchPick", function(cmd)
  require("codesearch").pick(cmd.args)
end, { nargs = "+", desc = "codesearch: pick a hit" })

vim.api.nvim_create_user_command("CodeSearchIndex", function(cmd)
  require("codesearch").index(cmd.bang)
end, { bang = true, desc = "codesearch: reindex" })
