package gpdsim

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"mensakiosk/central/gpd"
)

// The create call's body as received: pointers tell a missing field from
// a zero one. The rules are those of PaymentPositionModel,
// PaymentOptionModel and TransferModel (openapi_external_v1.json: required
// lists, maxLength, minimum, patterns, enums) and of GPD's
// DebtPositionValidation (dates, amounts, transfers).

type wirePosition struct {
	IUPD            *string      `json:"iupd"`
	Type            *string      `json:"type"`
	PayStandIn      *bool        `json:"payStandIn"`
	FiscalCode      *string      `json:"fiscalCode"`
	FullName        *string      `json:"fullName"`
	StreetName      *string      `json:"streetName"`
	CivicNumber     *string      `json:"civicNumber"`
	PostalCode      *string      `json:"postalCode"`
	City            *string      `json:"city"`
	Province        *string      `json:"province"`
	Region          *string      `json:"region"`
	Country         *string      `json:"country"`
	Email           *string      `json:"email"`
	Phone           *string      `json:"phone"`
	SwitchToExpired *bool        `json:"switchToExpired"`
	CompanyName     *string      `json:"companyName"`
	OfficeName      *string      `json:"officeName"`
	ValidityDate    *gpd.Time    `json:"validityDate"`
	PaymentDate     *gpd.Time    `json:"paymentDate"` // readOnly: ignored
	Status          *string      `json:"status"`      // readOnly: ignored
	PaymentOption   []wireOption `json:"paymentOption"`
}

type wireOption struct {
	NAV              *string        `json:"nav"` // answered, ignored
	IUV              *string        `json:"iuv"`
	Amount           *int64         `json:"amount"`
	Description      *string        `json:"description"`
	IsPartialPayment *bool          `json:"isPartialPayment"`
	DueDate          *gpd.Time      `json:"dueDate"`
	RetentionDate    *gpd.Time      `json:"retentionDate"`
	Fee              *int64         `json:"fee"`
	NotificationFee  *int64         `json:"notificationFee"`
	Transfer         []wireTransfer `json:"transfer"`
	Metadata         []gpd.KeyValue `json:"paymentOptionMetadata"`
}

type wireTransfer struct {
	IDTransfer             *string        `json:"idTransfer"`
	Amount                 *int64         `json:"amount"`
	OrganizationFiscalCode *string        `json:"organizationFiscalCode"`
	RemittanceInformation  *string        `json:"remittanceInformation"`
	Category               *string        `json:"category"`
	IBAN                   *string        `json:"iban"`
	PostalIBAN             *string        `json:"postalIban"`
	Stamp                  map[string]any `json:"stamp"`
	CompanyName            *string        `json:"companyName"`
	TransferMetadata       []gpd.KeyValue `json:"transferMetadata"`
}

var (
	reCountry = regexp.MustCompile(`^[A-Z]{2}$`)
	reIBAN    = regexp.MustCompile(`^[A-Za-z0-9]{1,35}$`)
	reEmail   = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
)

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// check applies the rules and returns the position as the simulator keeps
// it; the error's text names the field, as GPD's validation messages do.
func (in wirePosition) check(now time.Time) (gpd.Position, error) {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	maxLen := func(field string, p *string, n int) {
		if p != nil && utf8.RuneCountInString(*p) > n {
			bad("%s: size must be between 0 and %d", field, n)
		}
	}
	if strings.TrimSpace(str(in.IUPD)) == "" {
		bad("iupd: iupd is required")
	}
	switch {
	case in.Type == nil:
		bad("type: type is required")
	case *in.Type != gpd.TypeNaturalPerson && *in.Type != gpd.TypeLegalPerson:
		bad("type: %q not one of [F, G]", *in.Type)
	}
	if in.FiscalCode == nil {
		bad("fiscalCode: fiscal code is required")
	}
	if in.FullName == nil {
		bad("fullName: full name is required")
	}
	if in.SwitchToExpired == nil {
		bad("switchToExpired: switch to expired value is required")
	}
	if strings.TrimSpace(str(in.CompanyName)) == "" {
		bad("companyName: company name is required")
	}
	maxLen("companyName", in.CompanyName, 140)
	maxLen("officeName", in.OfficeName, 140)
	if in.Country != nil && !reCountry.MatchString(*in.Country) {
		bad("country: must match \"[A-Z]{2}\"")
	}
	if in.Email != nil && !reEmail.MatchString(*in.Email) {
		bad("email: Please provide a valid email address")
	}
	if in.ValidityDate != nil && !in.ValidityDate.After(now) {
		bad("Dates congruence error: validity_date must be >= current_date")
	}
	out := gpd.Position{
		IUPD: str(in.IUPD), Type: str(in.Type), FiscalCode: str(in.FiscalCode), FullName: str(in.FullName),
		StreetName: str(in.StreetName), CivicNumber: str(in.CivicNumber), PostalCode: str(in.PostalCode), City: str(in.City),
		Province: str(in.Province), Region: str(in.Region), Country: str(in.Country), Email: str(in.Email), Phone: str(in.Phone),
		CompanyName: str(in.CompanyName), OfficeName: str(in.OfficeName), ValidityDate: in.ValidityDate,
	}
	if in.SwitchToExpired != nil {
		out.SwitchToExpired = *in.SwitchToExpired
	}
	validity := now
	if in.ValidityDate != nil {
		validity = in.ValidityDate.Time
	}
	iuvs := map[string]bool{}
	for i, o := range in.PaymentOption {
		f := fmt.Sprintf("paymentOption[%d].", i)
		if strings.TrimSpace(str(o.IUV)) == "" {
			bad("%siuv: must not be null", f)
		} else if iuvs[*o.IUV] {
			bad("%siuv: %s given twice", f, *o.IUV)
		}
		iuvs[str(o.IUV)] = true
		switch {
		case o.Amount == nil:
			bad("%samount: must not be null", f)
		case *o.Amount < 1:
			bad("%samount: must be greater than or equal to 1", f)
		}
		if o.Description == nil {
			bad("%sdescription: must not be null", f)
		}
		maxLen(f+"description", o.Description, 140)
		if o.IsPartialPayment == nil {
			bad("%sisPartialPayment: must not be null", f)
		}
		if o.DueDate == nil {
			bad("%sdueDate: must not be null", f)
		} else if o.DueDate.Before(validity) || o.DueDate.Before(now) {
			bad("Dates congruence error: due_date must be >= validity_date (if provided) or due_date must be >= current_date")
		}
		if o.RetentionDate != nil && o.DueDate != nil && o.RetentionDate.Before(o.DueDate.Time) {
			bad("Dates congruence error: retention_date must be >= due_date")
		}
		if len(o.Metadata) > 10 {
			bad("%spaymentOptionMetadata: size must be between 0 and 10", f)
		}
		if len(o.Transfer) > 5 {
			bad("Number of transfers congruence error: Each payment option must have a maximum of 5 transactions [transactions found=%d]", len(o.Transfer))
		}
		var sum int64
		po := gpd.Option{IUV: str(o.IUV), Description: str(o.Description), DueDate: gpdTime(o.DueDate), RetentionDate: o.RetentionDate, Metadata: o.Metadata}
		if o.Amount != nil {
			po.Amount = *o.Amount
		}
		if o.IsPartialPayment != nil {
			po.IsPartialPayment = *o.IsPartialPayment
		}
		for j, t := range o.Transfer {
			tf := fmt.Sprintf("%stransfer[%d].", f, j)
			if t.IDTransfer == nil {
				bad("%sidTransfer: must not be null", tf)
			} else if !contains([]string{"1", "2", "3", "4", "5"}, *t.IDTransfer) {
				bad("Transfer ID congruence error: The transaction id not have a value between those expected [transaction id=%s; expected values=[1, 2, 3, 4, 5]]", *t.IDTransfer)
			}
			switch {
			case t.Amount == nil:
				bad("%samount: must not be null", tf)
			case *t.Amount < 1:
				bad("%samount: must be greater than or equal to 1", tf)
			default:
				sum += *t.Amount
			}
			if t.RemittanceInformation == nil {
				bad("%sremittanceInformation: must not be null", tf)
			}
			maxLen(tf+"remittanceInformation", t.RemittanceInformation, 140)
			maxLen(tf+"companyName", t.CompanyName, 140)
			if t.Category == nil {
				bad("%scategory: must not be null", tf)
			}
			if t.IBAN != nil && !reIBAN.MatchString(*t.IBAN) {
				bad("%siban: must match \"^[A-Za-z0-9]{1,35}$\"", tf)
			}
			if t.PostalIBAN != nil && *t.PostalIBAN != "" && !reIBAN.MatchString(*t.PostalIBAN) {
				bad("%spostalIban: must match \"^$|^[A-Za-z0-9]{1,35}$\"", tf)
			}
			hasIBAN, hasStamp := str(t.IBAN) != "", t.Stamp != nil
			if hasIBAN == hasStamp || hasStamp && str(t.PostalIBAN) != "" {
				bad("The Iban may be present (optionally combined with the Postal Iban) or the Stamp. Not all at the same time [iuv=%s, transaction id=%s].", str(o.IUV), str(t.IDTransfer))
			}
			tr := gpd.Transfer{IDTransfer: str(t.IDTransfer), RemittanceInformation: str(t.RemittanceInformation), Category: str(t.Category),
				IBAN: str(t.IBAN), PostalIBAN: str(t.PostalIBAN), OrganizationFiscalCode: str(t.OrganizationFiscalCode), CompanyName: str(t.CompanyName)}
			if t.Amount != nil {
				tr.Amount = *t.Amount
			}
			po.Transfer = append(po.Transfer, tr)
		}
		if o.Amount != nil && sum != *o.Amount {
			bad("Amounts congruence error: payment option amount must coincide with the total of the transfers amount [payment_option_amount(in cent)=%d; total_tranfers_amount(in cent)=%d]", *o.Amount, sum)
		}
		out.PaymentOption = append(out.PaymentOption, po)
	}
	if len(errs) > 0 {
		return gpd.Position{}, errors.New(strings.Join(errs, "; "))
	}
	return out, nil
}

func gpdTime(t *gpd.Time) gpd.Time {
	if t == nil {
		return gpd.Time{}
	}
	return *t
}
