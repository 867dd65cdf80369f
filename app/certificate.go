package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"
)

// The yearly certificate for the tax return (attestazione delle spese per
// la mensa scolastica, for the 19 % deduction in the 730): per child and
// calendar year, the amount the family paid for the canteen.
//
// What counts as paid in a year: the notices paid (receipts credited to
// the family) whose payment date falls in the year in the Comune's time
// zone — the tax return counts money when it is paid, not when the meals
// are eaten. A second receipt for a notice already paid is not credited
// (the office refunds it) and is not counted. A refund to the family is a
// payment with a negative amount, counted on its day. A year whose
// refunds exceed its payments attests nothing (0,00 €).
//
// How a family's payments are split between siblings sharing one balance
// (SplitByWeight): in proportion to the value of the meals each child
// consumed in the year (the price charged for each meal eaten, voided
// meals left out). The balance is one purse; what it paid for is the
// meals, so each child is attributed what was paid in proportion to what
// was spent on him or her. With one price for all it is the common rule
// "by meals consumed"; with different fee bands (a sibling discount, an
// exemption) it follows the money, so that a child exempt from paying is
// not attributed money that bought a sibling's meals. When no child has a
// priced meal in the year the split is by meals eaten, and when none ate
// at all it is even between the children.
//
// Rounding: largest remainder. Each child gets floor(total × weight /
// Σweights) cents; the cents left over (fewer than the children) go one
// each to the children with the largest remainders, ties to the larger
// weight, then to the child listed first (children are listed by id).
// The shares always add up to the family's total, to the cent.

// CertificatePayment is one payment counted in a certificate: a paid
// notice, or a refund to the family (Amount negative).
type CertificatePayment struct {
	// Day is the payment's date in the Comune's time zone.
	Day        Day    `json:"day"`
	NoticeCode string `json:"notice_code,omitempty"`
	ReceiptID  string `json:"receipt_id,omitempty"`
	PSP        string `json:"psp,omitempty"`
	Amount     Cents  `json:"amount"`
}

// ChildCertificate is one child's part of a family's certificate.
type ChildCertificate struct {
	PupilID    PupilID `json:"pupil_id"`
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	FiscalCode string  `json:"fiscal_code,omitempty"`
	School     string  `json:"school"`
	// Meals eaten in the year (voided ones left out) and their value.
	Meals      int   `json:"meals"`
	MealsValue Cents `json:"meals_value"`
	// Amount is the child's share of the family's payments of the year:
	// what the certificate attests.
	Amount Cents `json:"amount"`
}

// FamilyCertificate is the certificate of one family for one calendar
// year: the payer, the payments, and each child's share.
type FamilyCertificate struct {
	Year      int       `json:"year"`
	AccountID AccountID `json:"account_id"`
	Creditor  Creditor  `json:"creditor"`
	// The payer: the account holder (the notices' debtor).
	PayerName       string `json:"payer_name"`
	PayerFiscalCode string `json:"payer_fiscal_code"`
	// Total is paid in the year net of refunds (never below 0): the sum
	// of the children's amounts.
	Total    Cents                `json:"total"`
	Payments []CertificatePayment `json:"payments"`
	Children []ChildCertificate   `json:"children"`
	// Issued is when the server made it.
	Issued time.Time `json:"issued"`
}

// Child returns the part of the certificate of the child with the id.
func (c FamilyCertificate) Child(id PupilID) (ChildCertificate, bool) {
	for _, ch := range c.Children {
		if ch.PupilID == id {
			return ch, true
		}
	}
	return ChildCertificate{}, false
}

// Certificate years: the service did not exist before MinCertificateYear;
// a year after the current one has nothing to attest.
const MinCertificateYear = 2000

// ErrCertificateYear: a year outside MinCertificateYear..the current one.
var ErrCertificateYear = errors.New("certificate: year out of range")

// SplitByWeight splits total (≥ 0) in proportion to the weights (each ≥
// 0), largest remainder, as the package comment says. All weights zero
// (or none) split evenly. The shares add up to total exactly.
func SplitByWeight(total Cents, weights []int64) ([]Cents, error) {
	if total < 0 {
		return nil, fmt.Errorf("split: total %d cents is negative", total)
	}
	n := len(weights)
	if n == 0 {
		if total != 0 {
			return nil, fmt.Errorf("split: %d cents among nobody", total)
		}
		return nil, nil
	}
	w := make([]int64, n)
	var sum int64
	for i, x := range weights {
		if x < 0 {
			return nil, fmt.Errorf("split: weight %d is negative", x)
		}
		w[i] = x
		if sum += x; sum < 0 {
			return nil, errors.New("split: weights overflow")
		}
	}
	if sum == 0 {
		for i := range w {
			w[i] = 1
		}
		sum = int64(n)
	}
	shares := make([]Cents, n)
	rems := make([]*big.Int, n)
	bt, bs := big.NewInt(int64(total)), big.NewInt(sum)
	left := total
	for i := range w {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(bt, big.NewInt(w[i])), bs, new(big.Int))
		shares[i], rems[i] = Cents(q.Int64()), r
		left -= shares[i]
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(rems[b].Cmp(rems[a]), cmp.Compare(w[b], w[a]))
	})
	for k := 0; left > 0; k++ {
		shares[order[k%n]]++
		left--
	}
	return shares, nil
}

// BuildFamilyCertificate makes the certificate of year for the account's
// family: payments are those of the year (their Day), meals those eaten
// in the year and not voided, by pupil. Children are listed by id; a
// family without children has its total and no shares.
// Creditor and Issued are the caller's.
func BuildFamilyCertificate(year int, acc Account, pupils []Pupil, meals []Meal, payments []CertificatePayment) (FamilyCertificate, error) {
	prefix := strconv.Itoa(year) + "-"
	c := FamilyCertificate{Year: year, AccountID: acc.ID, PayerName: acc.Holder, PayerFiscalCode: acc.HolderFiscalCode,
		Payments: []CertificatePayment{}, Children: []ChildCertificate{}}
	var net Cents
	for _, p := range payments {
		if len(p.Day) < len(prefix) || string(p.Day[:len(prefix)]) != prefix {
			continue
		}
		c.Payments = append(c.Payments, p)
		net += p.Amount
	}
	slices.SortStableFunc(c.Payments, func(a, b CertificatePayment) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.NoticeCode, b.NoticeCode))
	})
	c.Total = max(net, 0)

	pupils = slices.Clone(pupils)
	slices.SortFunc(pupils, func(a, b Pupil) int { return cmp.Compare(a.ID, b.ID) })
	idx := map[PupilID]int{}
	for _, p := range pupils {
		idx[p.ID] = len(c.Children)
		c.Children = append(c.Children, ChildCertificate{PupilID: p.ID, FirstName: p.FirstName, LastName: p.LastName,
			FiscalCode: p.FiscalCode, School: p.School})
	}
	for _, m := range meals {
		i, ok := idx[m.PupilID]
		if !ok || m.Voided || len(m.Day) < len(prefix) || string(m.Day[:len(prefix)]) != prefix {
			continue
		}
		c.Children[i].Meals++
		c.Children[i].MealsValue += max(m.Price, 0)
	}
	if len(c.Children) == 0 {
		// Paid, but no child is enrolled any more: nothing to split; the
		// office sees the family's total in its list.
		return c, nil
	}
	weights := make([]int64, len(c.Children))
	for i, ch := range c.Children {
		weights[i] = int64(ch.MealsValue)
	}
	if !slices.ContainsFunc(weights, func(w int64) bool { return w > 0 }) {
		for i, ch := range c.Children {
			weights[i] = int64(ch.Meals) // no priced meal: by meals eaten (all zero: even)
		}
	}
	shares, err := SplitByWeight(c.Total, weights)
	if err != nil {
		return FamilyCertificate{}, fmt.Errorf("certificate %d, account %s: %w", year, acc.ID, err)
	}
	for i := range c.Children {
		c.Children[i].Amount = shares[i]
	}
	return c, nil
}

// CertificateCentral is the central server as the counter's certificate
// needs it. central.Client implements it; a CounterCentral without it
// offers no certificate.
type CertificateCentral interface {
	// Certificate returns the family's certificate for year.
	Certificate(ctx context.Context, a AccountID, year int) (FamilyCertificate, error)
}

// ErrNoCertificates: the central server in use offers no certificates.
var ErrNoCertificates = errors.New("counter: certificates are not available")

// CertificateYears are the years a certificate can be asked for at the
// counter: the current one and the previous (the tax return of spring
// is for the previous year), oldest first.
func (c *Counter) CertificateYears() []int {
	y := c.clock.Now().In(c.cfg.Location).Year()
	return []int{y - 1, y}
}

// Certificate asks the central server for the identified family's
// certificate of year.
func (c *Counter) Certificate(ctx context.Context, year int) (FamilyCertificate, error) {
	f, ok := c.Current()
	if !ok {
		return FamilyCertificate{}, ErrNotIdentified
	}
	if now := c.clock.Now().In(c.cfg.Location).Year(); year < MinCertificateYear || year > now {
		return FamilyCertificate{}, fmt.Errorf("%w: %d", ErrCertificateYear, year)
	}
	cc, ok := c.central.(CertificateCentral)
	if !ok || c.central == nil {
		return FamilyCertificate{}, ErrNoCertificates
	}
	if !c.Online() {
		return FamilyCertificate{}, ErrOffline
	}
	cert, err := cc.Certificate(ctx, f.Account.ID, year)
	if err != nil {
		return FamilyCertificate{}, err
	}
	c.log.Info("counter: certificate shown", "account_id", string(f.Account.ID), "year", year)
	return cert, nil
}
