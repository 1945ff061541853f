package ordering

import (
	"math/big"
	"slices"
)

// SplitTotal spreads total over lines priced prices in proportion to their prices and
// returns each line's share, in minor units. It is how a discount reaches the tickets: the
// shares add up to total exactly, each share lies between 0 and its price (total never
// exceeds the sum of the prices), and the split is deterministic: each line first gets
// ⌊price·total/Σprices⌋, then the units left over go one each to the lines with the largest
// remainders, ties broken by line order (the largest-remainder method). Every kind of
// discount (percentage, flat amount, buy N get N free) is spread this way: a free ticket of
// a BUY_N_GET_N_FREE order still carries its share of what the order paid.
//
// total is clamped to [0, Σprices]; negative prices count as 0. With Σprices = 0 every
// share is 0.
func SplitTotal(prices []int64, total int64) []int64 {
	shares := make([]int64, len(prices))
	sum := new(big.Int)
	for _, p := range prices {
		sum.Add(sum, big.NewInt(max(p, 0)))
	}
	if sum.Sign() == 0 || total <= 0 {
		return shares
	}
	tot := big.NewInt(total)
	if tot.Cmp(sum) >= 0 { // nothing to spread: each line paid its price
		for i, p := range prices {
			shares[i] = max(p, 0)
		}
		return shares
	}
	rems := make([]*big.Int, len(prices))
	left := total
	for i, p := range prices {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(max(p, 0)), tot), sum, new(big.Int))
		shares[i], rems[i] = q.Int64(), r // q ≤ p since total < sum
		left -= shares[i]
	}
	// left < len(prices): each floor lost less than one unit.
	order := make([]int, len(prices))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rems[b].Cmp(rems[a]) })
	for _, i := range order[:left] {
		shares[i]++
	}
	return shares
}

// lineShares returns the share of the order's total of each ticket the order has or would
// have, in the order MarkPaid issues them: its seats, then each unit of its standing lines.
func (o *Order) lineShares() []int64 {
	var prices []int64
	for _, l := range o.s.Seats {
		prices = append(prices, l.PriceMinor)
	}
	for _, l := range o.s.Standing {
		for range l.Quantity {
			prices = append(prices, l.UnitPriceMinor)
		}
	}
	return SplitTotal(prices, o.s.TotalMinor)
}
