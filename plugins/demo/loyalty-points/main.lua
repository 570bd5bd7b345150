-- Sales earn reward points; crossing a tier (lib/tiers.lua) records it in the customer's custom
-- field "tier" and tells the owner and the team leader. Points given by staff count too.
local tiers = require("lib.tiers")

local M = {}

local function promote(customer, points)
  local tier = tiers.for_points(points)
  if customer.fields.tier == tier.name then return end
  crm.customers.update(customer.id, { fields = { tier = tier.name } })
  local message = ("%s (%s) is now %s with %d points"):format(customer.name, customer.code, tier.label, points)
  for _, login in ipairs({ customer.owner, crm.config.leader }) do
    if login then crm.notify(login, message) end
  end
  crm.log("info", message)
end

function M.on_order_created(event)
  local order = event.order
  if order.kind ~= "sale" then return end
  local earned = order.total // crm.config.vnd_per_point
  if earned <= 0 then return end
  -- Read the customer again: another plugin may have changed it since the event was taken.
  local customer = crm.customers.get(event.customer.id)
  local updated = crm.customers.update(customer.id, { points = customer.points + earned })
  crm.log("debug", ("%s earned %d points with %s"):format(customer.code, earned, order.code))
  promote(updated, updated.points)
end

-- Our own point changes never come back here; these are staff's (or another plugin's).
function M.on_points_changed(event)
  promote(event.customer, event.to)
end

return M
