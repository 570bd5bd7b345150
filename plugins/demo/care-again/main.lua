-- "Care again": a customer who has not bought for 30 days needs a call. Each sale restarts the
-- 30 days (a keyed job replaces the pending one); when they pass, the customer moves to
-- "Cần chăm sóc lại" and its owner is reminded.
local M = {}

function M.on_order_created(event)
  local order = event.order
  if order.kind ~= "sale" or order.status == "cancelled" then return end
  crm.schedule({ days = crm.config.after_days }, "care_again",
    { customer = event.customer.id, last_order_at = order.created_at },
    { key = "care:" .. event.customer.id })
end

function M.care_again(payload)
  local customer = crm.customers.get(payload.customer)
  if not customer or customer.relationship == crm.config.relationship then return end
  -- A newer purchase would have replaced this job; check anyway, the order list is the truth.
  local newer = crm.orders.find{ customer = customer.id, kind = "sale", created_at = { gte = payload.last_order_at + 1 }, limit = 1 }
  if #newer > 0 then return end
  crm.customers.set_relationship(customer.id, crm.config.relationship)
  if customer.owner then
    crm.notify(customer.owner, ("%s (%s) has not bought for %d days: time to call"):format(
      customer.name, customer.code, crm.config.after_days))
  end
end

return M
