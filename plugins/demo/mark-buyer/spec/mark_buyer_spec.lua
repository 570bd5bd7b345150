local lt = require("lantern.test")

describe("mark-buyer", function()
  local t, an
  before_each(function()
    t = lt.tenant{
      relationships = { "Mới", "Đã liên hệ", "Chốt", "Đã mua hàng" },
      departments = { { name = "Kinh doanh" }, { name = "Hà Nội", parent = "Kinh doanh" } },
      roles = {
        admin = { permissions = "*", scope = "all" },
        sales = { permissions = { "customers.read", "customers.create", "customers.update", "orders.create", "orders.read" }, scope = "own" },
      },
      users = { { login = "automation", role = "admin" }, { login = "an", role = "sales", department = "Hà Nội" } },
    }
    an = t:as("an")
  end)

  it("marks the customer of a sale order Đã mua hàng", function()
    local c = an.customers.create{ name = "Nguyễn Gia Khương", owner = "an" }
    assert.equal("Mới", c.relationship)
    an.orders.create{ customer = c.id, kind = "sale", total = 1500000 }
    assert.equal("Đã mua hàng", t.customers.get(c.id).relationship)
    local entries = t:ledger(c.id)
    assert.equal("on_order_created", entries[#entries].hook)
    assert.same({ from = "Mới", to = "Đã mua hàng" }, entries[#entries].changes.relationship)
  end)

  it("leaves purchases alone", function()
    local c = an.customers.create{ name = "Trần Thị Bình" }
    an.orders.create{ customer = c.id, kind = "purchase", total = 200000 }
    assert.equal("Mới", t.customers.get(c.id).relationship)
  end)

  it("sees the fixtures' departments and relationships", function()
    assert.equal("Hà Nội", an.users.get("an").department)
    local names = {}
    for _, r in ipairs(an.relationships.list()) do names[#names + 1] = r.name end
    assert.same({ "Mới", "Đã liên hệ", "Chốt", "Đã mua hàng" }, names)
  end)
end)
