-- When a sale order is created, the customer has bought: move them to "Đã mua hàng"
-- (the relationship is in [config], so a company that calls it otherwise changes one line).
local M = {}

function M.on_order_created(event)
  local order, customer = event.order, event.customer
  if order.kind ~= "sale" or order.status == "cancelled" then return end
  local bought = crm.config.relationship
  if customer.relationship == bought then return end
  crm.customers.set_relationship(customer.id, bought)
  crm.log("info", ("%s (%s) bought with %s: %s -> %s"):format(
    customer.name, customer.code, order.code, customer.relationship, bought))
end

return M
