-- Loyalty tiers by reward points, lowest first.
local tiers = {
  { name = "member", label = "Thành viên", from = 0 },
  { name = "silver", label = "Bạc",        from = 100 },
  { name = "gold",   label = "Vàng",       from = 500 },
}

local M = {}

--- The tier a customer with `points` belongs to.
function M.for_points(points)
  local found = tiers[1]
  for _, tier in ipairs(tiers) do
    if points >= tier.from then found = tier end
  end
  return found
end

return M
