-- Driven by tests/api/test_nvim.py: exercises the plugin against a real `codesearch serve` and writes what
-- happened as JSON to $CS_OUT, then quits. Uses only Neovim 0.7 APIs.
local out = {}
local function run()
  local cs = require("codesearch")
  cs.setup({ url = vim.env.CS_URL, token = vim.env.CS_TOKEN, k = 5 })

  vim.cmd("CodeSearch! hash a password with a salt")
  local qf = vim.fn.getqflist({ title = 1, items = 1 })
  out.title = qf.title
  out.items = {}
  for _, it in ipairs(qf.items) do
    table.insert(out.items, { file = vim.fn.bufname(it.bufnr), lnum = it.lnum, text = it.text })
  end
  out.after_jump = { file = vim.fn.expand("%:p"), line = vim.fn.line(".") }

  vim.ui.select = function(items, opts, on_choice) -- a picker that takes the second hit
    out.picker_prompt = opts.prompt
    out.picker_first = opts.format_item(items[1])
    on_choice(items[2])
  end
  vim.cmd("CodeSearchPick merge environment variables into the configuration")
  out.after_pick = { file = vim.fn.expand("%:p"), line = vim.fn.line(".") }

  out.filtered = cs.search("configuration", { lang = "go", k = 3 })
  out.job = cs.index(true)

  cs.setup({ token = "wrong-token-0123456789" })
  local hits, err = cs.quickfix("anything")
  out.bad_token = { hits = hits, err = err }
  cs.setup({ url = "http://127.0.0.1:9", token = vim.env.CS_TOKEN })
  hits, err = cs.search("anything")
  out.unreachable = { hits = hits, err = err }
end

local ok, err = pcall(run)
if not ok then
  out.lua_error = tostring(err)
end
vim.fn.writefile({ vim.fn.json_encode(out) }, vim.env.CS_OUT)
vim.cmd("qa!")
