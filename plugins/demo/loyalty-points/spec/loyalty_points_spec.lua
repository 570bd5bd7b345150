local lt = require("lantern.test")
local tiers = require("lib.tiers")

describe("loyalty-points", function()
  local t, an

  before_each(function()
    t = lt.tenant{
      roles = {
        admin = { permissions = "*", scope = "all" },
        sales = { permissions = { "customers.read", "customers.create", "customers.update", "orders.create" }, scope = "own" },
      },
      users = { { login = "leader", role = "admin" }, { login = "an", role = "sales" }, { login = "automation", role = "admin" } },
    }
    an = t:as("an")
  end)

  it("gives one point per 100.000 ₫ of sale", function()
    local c = an.customers.create{ name = "Nguyễn Gia Khương" }
    an.orders.create{ customer = c.id, kind = "sale", total = 1550000 }
    assert.equal(15, t.customers.get(c.id).points)
    assert.equal("member", t.customers.get(c.id).fields.tier)
  end)

  it("promotes to silver and tells the owner and the leader", function()
    local c = an.customers.create{ name = "Trần Thị Bình" }
    an.orders.create{ customer = c.id, kind = "sale", total = 12000000 }
    assert.equal("silver", t.customers.get(c.id).fields.tier)
    local inbox = t:notifications("leader")
    assert.equal(1, #inbox)
    assert.equal("Trần Thị Bình (" .. c.code .. ") is now Bạc with 120 points", inbox[1].message)
    assert.equal("loyalty-points", inbox[1].plugin)
    assert.equal(1, #t:notifications("an"))
  end)

  it("takes the config's rate", function()
    t = lt.tenant{ users = { { login = "automation" }, { login = "leader" } }, config = { vnd_per_point = 1000000 } }
    local c = t.customers.create{ name = "Lê Văn" }
    t.orders.create{ customer = c.id, kind = "sale", total = 5000000 }
    assert.equal(5, t.customers.get(c.id).points)
  end)

  it("knows its tiers", function()
    assert.equal("member", tiers.for_points(99).name)
    assert.equal("silver", tiers.for_points(100).name)
    assert.equal("gold", tiers.for_points(500).name)
  end)
end)
