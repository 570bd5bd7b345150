/// The Lua half of `lantern plugin test` (plugin-api.md section 10): busted's `describe`, `it`,
/// `before_each`, `after_each`, `pending` and assertions, and the `lantern.test` module over the
/// host functions of `SpecFile`. Spec files run in the plugin sandbox with these added.
enum SpecPrelude {
    /// Run before a spec file with the host table as its argument; defines the busted globals and
    /// returns the runner the host drives: `count()`, `name(i)`, `is_pending(i)`, `line(i)`, `run(i)`.
    static let runner = #"""
        local host = ...
        local type, tostring, pairs, ipairs, pcall, error, select, setmetatable, getmetatable, rawequal, next =
              type, tostring, pairs, ipairs, pcall, error, select, setmetatable, getmetatable, rawequal, next
        local concat, sort, format, find, gsub, rep, mathtype = table.concat, table.sort, string.format, string.find, string.gsub, string.rep, math.type

        local tests = {}
        local root = { name = nil, before = {}, after = {} }
        local blocks = { root }

        local function caller_line(level)
          -- "spec/x_spec.lua:12:" of whoever called describe/it, via error's position prefix.
          local ok, message = pcall(error, "", level + 2)
          return message and message:match("^(.-:%d+):") or "?"
        end

        local function full_name(name)
          local parts = {}
          for _, block in ipairs(blocks) do if block.name then parts[#parts + 1] = block.name end end
          parts[#parts + 1] = name
          return concat(parts, " ")
        end

        local function chain(field)
          local all = {}
          for _, block in ipairs(blocks) do for _, fn in ipairs(block[field]) do all[#all + 1] = fn end end
          return all
        end

        function describe(name, fn)
          if type(name) ~= "string" or type(fn) ~= "function" then error("describe(name, fn): a string and a function", 2) end
          blocks[#blocks + 1] = { name = name, before = {}, after = {} }
          local ok, message = pcall(fn)
          blocks[#blocks] = nil
          if not ok then error(message, 0) end
        end

        function it(name, fn)
          if type(name) ~= "string" or type(fn) ~= "function" then error("it(name, fn): a string and a function", 2) end
          local afters = chain("after")
          local reversed = {}
          for i = #afters, 1, -1 do reversed[#reversed + 1] = afters[i] end
          tests[#tests + 1] = { name = full_name(name), fn = fn, before = chain("before"), after = reversed, line = caller_line(1) }
        end

        function pending(name)
          tests[#tests + 1] = { name = full_name(tostring(name)), pending = true, line = caller_line(1) }
        end

        function before_each(fn) local b = blocks[#blocks].before b[#b + 1] = fn end
        function after_each(fn) local a = blocks[#blocks].after a[#a + 1] = fn end

        -- Values in failure messages: strings quoted, tables written out (sorted keys, bounded depth).
        local function show(value, depth)
          depth = depth or 0
          local kind = type(value)
          if kind == "string" then return '"' .. value .. '"' end
          if kind ~= "table" then return tostring(value) end
          if depth > 3 then return "{...}" end
          local keys = {}
          for k in next, value do keys[#keys + 1] = k end
          sort(keys, function(a, b)
            local ta, tb = type(a), type(b)
            if ta ~= tb then return ta < tb end
            if ta == "number" or ta == "string" then return a < b end
            return tostring(a) < tostring(b)
          end)
          local parts, n = {}, #value
          for _, k in ipairs(keys) do
            local shown = show(value[k], depth + 1)
            if mathtype(k) == "integer" and k >= 1 and k <= n then parts[#parts + 1] = shown
            elseif type(k) == "string" and k:match("^[%a_][%w_]*$") then parts[#parts + 1] = k .. " = " .. shown
            else parts[#parts + 1] = "[" .. show(k, depth + 1) .. "] = " .. shown end
          end
          return "{" .. concat(parts, ", ") .. "}"
        end

        local function same(a, b)
          if a == b then return true end
          if type(a) ~= "table" or type(b) ~= "table" then return false end
          for k, v in next, a do if not same(v, b[k]) then return false end end
          for k in next, b do if a[k] == nil then return false end end
          return true
        end

        local function fail(message) error(message, 3) end

        local function error_text(err)
          if type(err) == "string" then return err end
          return show(err)
        end

        local checks = {
          equal = function(expected, actual)
            if expected ~= actual then fail("expected " .. show(expected) .. ", got " .. show(actual)) end
          end,
          not_equal = function(unexpected, actual)
            if unexpected == actual then fail("expected anything but " .. show(unexpected) .. ", got it") end
          end,
          same = function(expected, actual)
            if not same(expected, actual) then fail("expected " .. show(expected) .. ", got " .. show(actual)) end
          end,
          is_true = function(v) if v ~= true then fail("expected true, got " .. show(v)) end end,
          is_false = function(v) if v ~= false then fail("expected false, got " .. show(v)) end end,
          is_nil = function(v) if v ~= nil then fail("expected nil, got " .. show(v)) end end,
          is_not_nil = function(v) if v == nil then fail("expected a value, got nil") end end,
          truthy = function(v) if not v then fail("expected a truthy value, got " .. show(v)) end end,
          falsy = function(v) if v then fail("expected a falsy value, got " .. show(v)) end end,
          has_error = function(fn, message)
            local ok, err = pcall(fn)
            if ok then fail("expected an error, got none") end
            if message ~= nil then
              local text = error_text(err)
              local bare = type(err) == "string" and gsub(err, "^[^:\n]+:%d+: ", "", 1) or text
              if text ~= message and bare ~= message then fail("expected the error " .. show(message) .. ", got " .. show(text)) end
            end
          end,
          error_matches = function(fn, pattern)
            local ok, err = pcall(fn)
            if ok then fail("expected an error matching " .. show(pattern) .. ", got none") end
            if not find(error_text(err), pattern) then fail("expected an error matching " .. show(pattern) .. ", got " .. show(error_text(err))) end
          end,
        }
        checks.are_equal, checks.are_same, checks.is_truthy, checks.is_falsy = checks.equal, checks.same, checks.truthy, checks.falsy
        checks.has_no_error = function(fn)
          local ok, err = pcall(fn)
          if not ok then fail("expected no error, got " .. show(error_text(err))) end
        end
        assert = setmetatable(checks, {
          __call = function(_, value, message, ...)
            if not value then error(message or "assertion failed!", 2) end
            return value, message, ...
          end,
        })

        local function run_all(fns)
          for _, fn in ipairs(fns) do fn() end
        end

        return {
          count = function() return #tests end,
          name = function(i) return tests[i].name end,
          is_pending = function(i) return tests[i].pending == true end,
          line = function(i) return tests[i].line end,
          matches = function(i, pattern) return find(tests[i].name, pattern) ~= nil end,
          run = function(i)
            local test = tests[i]
            local ok, err = pcall(run_all, test.before)
            if ok then ok, err = pcall(test.fn) end
            local after_ok, after_err = pcall(run_all, test.after)
            if ok and not after_ok then ok, err = false, after_err end
            if ok then return nil end
            return error_text(err)
          end,
        }
        """#

    /// `require("lantern.test")`: tenants over the host functions of `SpecFile` (the read-only
    /// global `__lantern_test_host`).
    static let module = #"""
        local host = __lantern_test_host
        local setmetatable, type, error, pcall, gsub, pack, unpack = setmetatable, type, error, pcall, string.gsub, table.pack, table.unpack

        -- A failed call is reported at the spec's line, not at this module's.
        local function fail(message)
          if type(message) == "string" then message = gsub(message, "^lantern/test%.lua:%d+: ", "", 1) end
          error(message, 3)
        end

        local function api(tenant, login)
          local function call(name)
            return function(...)
              local results = pack(pcall(host.call, tenant, login, name, ...))
              if not results[1] then fail(results[2]) end
              return unpack(results, 2, results.n)
            end
          end
          return {
            customers = {
              get = call("customers.get"), find = call("customers.find"), create = call("customers.create"),
              update = call("customers.update"), set_relationship = call("customers.set_relationship"),
              assign = call("customers.assign"), add_viewer = call("customers.add_viewer"), share = call("customers.share"),
              bulk_set_relationship = call("customers.bulk_set_relationship"),
            },
            orders = { get = call("orders.get"), find = call("orders.find"), create = call("orders.create") },
            relationships = { list = call("relationships.list") },
            users = { get = call("users.get") },
            notify = call("notify"),
            now = call("now"),
          }
        end

        local Tenant = {}
        Tenant.__index = Tenant

        function Tenant:as(login)
          if type(login) ~= "string" then error("t:as(login): a login (string)", 2) end
          return api(self.id, login)
        end
        function Tenant:ledger(customer) return host.ledger(self.id, customer) end
        function Tenant:logs() return host.logs(self.id) end
        function Tenant:notifications(login) return host.notifications(self.id, login) end
        function Tenant:jobs() return host.jobs(self.id) end

        local lt = {}

        function lt.tenant(spec)
          if spec ~= nil and type(spec) ~= "table" then error("lt.tenant{...}: a table of fixtures", 2) end
          local id = host.tenant(spec or {})
          local unrestricted = api(id, false)
          local clock = {
            now = function(_) return host.clock_now(id) end,
            set = function(_, epoch) return host.clock_set(id, epoch) end,
            advance = function(_, delay) return host.clock_advance(id, delay) end,
          }
          return setmetatable({ id = id, customers = unrestricted.customers, orders = unrestricted.orders, clock = clock }, Tenant)
        end

        return lt
        """#
}
