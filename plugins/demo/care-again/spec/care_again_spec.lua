local lt = require("lantern.test")

describe("care-again", function()
  local t, an

  before_each(function()
    t = lt.tenant{
      relationships = { "Mới", "Đã liên hệ", "Chốt", "Đã mua hàng", "Cần chăm sóc lại" },
      roles = {
        admin = { permissions = "*", scope = "all" },
        sales = { permissions = { "customers.read", "customers.create", "customers.update", "orders.create", "orders.read" }, scope = "own" },
      },
      users = { { login = "an", role = "sales" }, { login = "automation", role = "admin" } },
    }
    an = t:as("an")
  end)

  it("asks for care 30 days after the last purchase", function()
    local c = an.customers.create{ name = "Vũ Thị Lan", relationship = "Chốt" }
    an.orders.create{ customer = c.id, kind = "sale", total = 2500000 }
    t.clock:advance{ days = 29 }
    assert.equal("Chốt", t.customers.get(c.id).relationship)
    t.clock:advance{ days = 1 }
    assert.equal("Cần chăm sóc lại", t.customers.get(c.id).relationship)
    local inbox = t:notifications("an")
    assert.equal(1, #inbox)
    assert.error_matches(function() error(inbox[1].message) end, "has not bought for 30 days")
  end)

  it("counts the 30 days from the newest purchase", function()
    local c = an.customers.create{ name = "Hoàng Văn Nam" }
    an.orders.create{ customer = c.id, kind = "sale", total = 100000 }
    t.clock:advance{ days = 20 }
    an.orders.create{ customer = c.id, kind = "sale", total = 300000 }
    t.clock:advance{ days = 20 }
    assert.equal("Mới", t.customers.get(c.id).relationship)
    assert.equal(1, #t:jobs())
    t.clock:advance{ days = 10 }
    assert.equal("Cần chăm sóc lại", t.customers.get(c.id).relationship)
  end)

  it("ignores purchases from the customer (kind = purchase)", function()
    local c = an.customers.create{ name = "Công ty Minh Long" }
    an.orders.create{ customer = c.id, kind = "purchase", total = 100000 }
    assert.same({}, t:jobs())
  end)
end)
