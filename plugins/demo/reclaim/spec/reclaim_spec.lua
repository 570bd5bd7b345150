local lt = require("lantern.test")

describe("reclaim", function()
  local t, leader

  before_each(function()
    t = lt.tenant{
      relationships = { "Mới", "Đã liên hệ", "Chốt" },
      roles = {
        admin = { permissions = "*", scope = "all" },
        sales = { permissions = { "customers.read", "customers.create", "customers.update" }, scope = "own" },
      },
      users = {
        { login = "leader", role = "admin" },
        { login = "an", role = "sales" },
        { login = "binh", role = "sales" },
        { login = "automation", role = "admin" },
      },
    }
    leader = t:as("leader")
  end)

  it("gives a customer nobody contacted within 2 days to the next rep", function()
    local c = leader.customers.create{ name = "Nguyễn Gia Khương", owner = "an" }
    t.clock:advance{ days = 1, hours = 23 }
    assert.equal("an", t.customers.get(c.id).owner)
    t.clock:advance{ hours = 1 }
    assert.equal("binh", t.customers.get(c.id).owner)
    local inbox = t:notifications("binh")
    assert.equal(1, #inbox)
    assert.equal("reclaim", inbox[1].plugin)
    assert.truthy(inbox[1].message:find("not contacted within 2 days by an", 1, true))
  end)

  it("reclaims again to the leader when the next rep does not contact it either", function()
    local c = leader.customers.create{ name = "Phạm Minh Châu", owner = "an" }
    t.clock:advance{ days = 4 }
    assert.equal("leader", t.customers.get(c.id).owner)
    local entries = t:ledger(c.id)
    local owners = {}
    for _, entry in ipairs(entries) do
      if entry.changes.owner then owners[#owners + 1] = entry.changes.owner.to end
    end
    assert.same({ "binh", "leader" }, owners)
  end)

  it("leaves a contacted customer alone", function()
    local c = leader.customers.create{ name = "Lê Hoàng", owner = "an" }
    t.clock:advance{ days = 1 }
    t:as("an").customers.set_relationship(c.id, "Đã liên hệ")
    t.clock:advance{ days = 5 }
    assert.equal("an", t.customers.get(c.id).owner)
    assert.same({}, t:jobs())
  end)

  it("starts the 2 days again when a person reassigns the customer", function()
    local c = leader.customers.create{ name = "Đỗ Quyên", owner = "an" }
    t.clock:advance{ days = 1 }
    leader.customers.assign(c.id, "binh")
    t.clock:advance{ days = 1, hours = 12 }
    assert.equal("binh", t.customers.get(c.id).owner)
    t.clock:advance{ hours = 12 }
    assert.equal("an", t.customers.get(c.id).owner)
  end)

  it("does not wait for a customer without an owner, nor one created already contacted", function()
    leader.customers.create{ name = "Kho chung", owner = nil, relationship = "Đã liên hệ" }
    assert.same({}, t:jobs())
  end)

  it("hears nothing of a bulk move (no hooks fire), and the due check finds the customer contacted", function()
    local c = leader.customers.create{ name = "Trịnh Công Sơn", owner = "an" }
    assert.equal(1, t.customers.bulk_set_relationship({ c.id }, "Đã liên hệ"))
    assert.equal(1, #t:jobs())
    t.clock:advance{ days = 3 }
    assert.equal("an", t.customers.get(c.id).owner)
    assert.same({}, t:jobs())
  end)
end)
