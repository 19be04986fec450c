-- codesearch for Neovim (0.7+): ask a running `codesearch serve` and get the hits in the quickfix list or
-- a picker (vim.ui.select), then jump to file:line. Talks HTTP through curl; no other dependency.
local M = {}

M.config = {
  url = "http://127.0.0.1:8765", -- where `codesearch serve` listens
  token = nil, -- Bearer token (default: $CODESEARCH_TOKEN); sent through a temp file, never on argv
  k = 20, -- hits per search
  timeout = 30, -- seconds
  curl = "curl",
  open_quickfix = true,
}

function M.setup(opts)
  M.config = vim.tbl_extend("force", M.config, opts or {})
end

local function token()
  local t = M.config.token or vim.env.CODESEARCH_TOKEN
  if t == nil or t == "" then
    return nil
  end
  return t
end

local function notify(msg, level)
  vim.notify("codesearch: " .. msg, level or vim.log.levels.INFO)
end

-- One HTTP request to the API. Returns the decoded JSON body, or nil and one line saying what went wrong.
function M.request(method, path, body)
  local cfg = M.config
  local args = {
    cfg.curl, "-sS", "--max-time", tostring(cfg.timeout), "-X", method,
    "-H", "Content-Type: application/json", "-w", "\n%{http_code}",
  }
  local header_file = nil
  if token() then
    header_file = vim.fn.tempname()
    vim.fn.writefile({ "Authorization: Bearer " .. token() }, header_file)
    vim.list_extend(args, { "-H", "@" .. header_file })
  end
  local input = nil
  if body ~= nil then
    input = vim.fn.json_encode(body)
    vim.list_extend(args, { "--data-binary", "@-" })
  end
  table.insert(args, cfg.url .. path)
  local out = vim.fn.system(args, input)
  local failed = vim.v.shell_error
  if header_file then
    vim.fn.delete(header_file)
  end
  if failed ~= 0 then
    return nil, "cannot reach " .. cfg.url .. " (" .. vim.trim(out) .. "); is `codesearch serve` running?"
  end
  local payload, status = out:match("^(.*)\n(%d+)$")
  status = tonumber(status)
  local ok, decoded = pcall(vim.fn.json_decode, payload or "")
  if not ok then
    return nil, "the server answered " .. tostring(status) .. " with something that is not JSON"
  end
  if status == nil or status >= 400 then
    local message = type(decoded) == "table" and decoded.error and decoded.error.message or "error"
    return nil, tostring(status) .. ": " .. message
  end
  return decoded
end

-- Search: POST /search. opts: k, lang, path (glob), repo, kind, mode. Returns the hits or nil, error.
function M.search(query, opts)
  opts = opts or {}
  local body = { query = query, k = opts.k or M.config.k }
  for _, key in ipairs({ "lang", "path", "repo", "kind", "mode" }) do
    if opts[key] ~= nil then
      body[key] = opts[key]
    end
  end
  local result, err = M.request("POST", "/search", body)
  if result == nil then
    return nil, err
  end
  return result.hits
end

local function item(hit)
  return {
    filename = hit.abs_path,
    lnum = hit.start_line,
    end_lnum = hit.end_line,
    col = 1,
    text = string.format("%s %s  [%s · %s · %.3f]", hit.kind, hit.qualified_name, hit.language, hit.repo, hit.score),
  }
end

-- Hits into the quickfix list (and open it); `jump` goes to the first.
function M.quickfix(query, opts)
  opts = opts or {}
  local hits, err = M.search(query, opts)
  if hits == nil then
    notify(err, vim.log.levels.ERROR)
    return nil, err
  end
  local items = {}
  for _, hit in ipairs(hits) do
    table.insert(items, item(hit))
  end
  vim.fn.setqflist({}, " ", { title = "codesearch: " .. query, items = items })
  if #hits == 0 then
    notify("no hits for " .. query)
    return hits
  end
  if M.config.open_quickfix then
    vim.cmd("copen")
  end
  if opts.jump then
    vim.cmd("cfirst")
  end
  return hits
end

-- Open a hit's file at its first line.
function M.jump(hit)
  vim.cmd("edit " .. vim.fn.fnameescape(hit.abs_path))
  vim.api.nvim_win_set_cursor(0, { hit.start_line, 0 })
end

-- Hits in a picker (vim.ui.select: telescope, fzf-lua or dressing take it over when installed).
function M.pick(query, opts)
  local hits, err = M.search(query, opts)
  if hits == nil then
    notify(err, vim.log.levels.ERROR)
    return
  end
  vim.ui.select(hits, {
    prompt = "codesearch: " .. query,
    format_item = function(hit)
      return string.format("%s:%d  %s (%s)", hit.path, hit.start_line, hit.qualified_name, hit.kind)
    end,
  }, function(hit)
    if hit ~= nil then
      M.jump(hit)
    end
  end)
end

-- Reindex (POST /index) the root holding the current file, or every root; reports the job id.
function M.index(all)
  local paths = vim.NIL
  if not all and vim.fn.expand("%:p") ~= "" then
    paths = { vim.fn.expand("%:p:h") }
  end
  local result, err = M.request("POST", "/index", { paths = paths })
  if result == nil then
    notify(err, vim.log.levels.ERROR)
    return nil, err
  end
  notify("reindexing (job " .. result.job .. ")")
  return result.job
end

return M
