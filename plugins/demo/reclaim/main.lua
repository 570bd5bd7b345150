-- The seed CRMs' reclaim automation: a customer still in "Mới" two days after it was assigned
-- goes to the next rep (who gets two days too), and when every rep let it wait, to the leader.
-- A person reassigning the customer starts the window again; contacting it (any other
-- relationship) cancels the wait.
local M = {}

local function key(id) return "reclaim:" .. id end

local function wait_for(customer, tried)
  crm.schedule({ days = crm.config.wait_days }, "check_contacted",
    { customer = customer.id, owner = customer.owner, tried = tried or { customer.owner } },
    { key = key(customer.id) })
end

local function waiting(customer)
  return customer.relationship == crm.config.relationship and customer.owner ~= nil
end

function M.on_customer_created(event)
  if waiting(event.customer) then wait_for(event.customer) end
end

function M.on_customer_updated(event)
  if event.changes.owner and waiting(event.customer) then wait_for(event.customer) end
end

function M.on_relationship_changed(event)
  if event.from == crm.config.relationship then crm.cancel(key(event.customer.id)) end
end

local function next_rep(tried)
  local seen = {}
  for _, login in ipairs(tried) do seen[login] = true end
  for _, login in ipairs(crm.config.reps) do
    if not seen[login] then return login end
  end
end

function M.check_contacted(payload)
  local customer = crm.customers.get(payload.customer)
  -- Contacted, deleted, or moved on by a person meanwhile: nothing to reclaim.
  if not customer or not waiting(customer) or customer.owner ~= payload.owner then return end
  local rep = next_rep(payload.tried)
  local message = ("%s (%s) was not contacted within %d days"):format(customer.name, customer.code, crm.config.wait_days)
  if rep then
    local reassigned = crm.customers.assign(customer.id, rep)
    crm.notify(rep, message .. " by " .. payload.owner .. ": it is yours now")
    local tried = { table.unpack(payload.tried) }
    tried[#tried + 1] = rep
    wait_for(reassigned, tried)
    crm.log("info", ("reclaimed %s from %s to %s"):format(customer.code, payload.owner, rep))
  else
    crm.customers.assign(customer.id, crm.config.leader)
    crm.notify(crm.config.leader, message .. " by anyone: it is yours now")
    crm.log("warn", ("reclaimed %s to the leader: no rep contacted it"):format(customer.code))
  end
end

return M
