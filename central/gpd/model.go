// Package gpd is a client of pagoPA's GPD (Gestione Posizioni Debitorie)
// REST API, version 1 (pagopa/pagopa-debt-position,
// openapi/openapi_external_v1.json 1.1.37; the facts the connector relies
// on are in specs/pagopa-gpd.md). The central server publishes each
// top-up as a debt position with it and reads the payments back.
//
// The subscription key travels only in the Ocp-Apim-Subscription-Key
// header: no error, log line or answer of this package carries it.
package gpd

import "time"

// Base URLs of the two environments (the OpenAPI document's servers).
const (
	UATURL        = "https://api.uat.platform.pagopa.it/gpd/debt-positions-service/v1"
	ProductionURL = "https://api.platform.pagopa.it/gpd/debt-positions-service/v1"
)

// HeaderKey is the subscription key's header (securitySchemes.ApiKey).
const HeaderKey = "Ocp-Apim-Subscription-Key"

// HeaderRequestID identifies a call; every answer carries it.
const HeaderRequestID = "X-Request-Id"

// Position statuses (PaymentPositionModel.status).
const (
	StatusDraft         = "DRAFT"
	StatusPublished     = "PUBLISHED"
	StatusValid         = "VALID"
	StatusInvalid       = "INVALID"
	StatusExpired       = "EXPIRED"
	StatusPartiallyPaid = "PARTIALLY_PAID"
	StatusPaid          = "PAID"
	StatusReported      = "REPORTED"
)

// Payment option statuses (PaymentOptionModelResponse.status).
const (
	OptionUnpaid            = "PO_UNPAID"
	OptionPaid              = "PO_PAID"
	OptionPartiallyReported = "PO_PARTIALLY_REPORTED"
	OptionReported          = "PO_REPORTED"
)

// Debtor types (PaymentPositionModel.type).
const (
	TypeNaturalPerson = "F"
	TypeLegalPerson   = "G"
)

// Position is the request body of the create call (PaymentPositionModel).
// Required: iupd, type, fiscalCode, fullName, companyName, switchToExpired.
type Position struct {
	IUPD            string   `json:"iupd"`
	Type            string   `json:"type"`
	FiscalCode      string   `json:"fiscalCode"`
	FullName        string   `json:"fullName"`
	StreetName      string   `json:"streetName,omitempty"`
	CivicNumber     string   `json:"civicNumber,omitempty"`
	PostalCode      string   `json:"postalCode,omitempty"`
	City            string   `json:"city,omitempty"`
	Province        string   `json:"province,omitempty"`
	Region          string   `json:"region,omitempty"`
	Country         string   `json:"country,omitempty"`
	Email           string   `json:"email,omitempty"`
	Phone           string   `json:"phone,omitempty"`
	SwitchToExpired bool     `json:"switchToExpired"`
	CompanyName     string   `json:"companyName"`
	OfficeName      string   `json:"officeName,omitempty"`
	ValidityDate    *Time    `json:"validityDate,omitempty"`
	PaymentOption   []Option `json:"paymentOption"`
}

// Option is a payment option of a position (PaymentOptionModel).
// Required: iuv, amount, description, isPartialPayment, dueDate.
type Option struct {
	IUV              string     `json:"iuv"`
	Amount           int64      `json:"amount"`
	Description      string     `json:"description"`
	IsPartialPayment bool       `json:"isPartialPayment"`
	DueDate          Time       `json:"dueDate"`
	RetentionDate    *Time      `json:"retentionDate,omitempty"`
	Transfer         []Transfer `json:"transfer"`
	Metadata         []KeyValue `json:"paymentOptionMetadata,omitempty"`
}

// Transfer is one beneficiary of an option (TransferModel). Required:
// idTransfer, amount, remittanceInformation, category.
type Transfer struct {
	IDTransfer             string `json:"idTransfer"`
	Amount                 int64  `json:"amount"`
	OrganizationFiscalCode string `json:"organizationFiscalCode,omitempty"`
	RemittanceInformation  string `json:"remittanceInformation"`
	Category               string `json:"category"`
	IBAN                   string `json:"iban,omitempty"`
	PostalIBAN             string `json:"postalIban,omitempty"`
	CompanyName            string `json:"companyName,omitempty"`
}

// KeyValue is a metadata entry (PaymentOptionMetadataModel).
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// PositionResponse is a position as GPD answers it
// (PaymentPositionModelBaseResponse; the create call answers the
// request's fields, which decode into it as well).
type PositionResponse struct {
	IUPD                   string           `json:"iupd"`
	OrganizationFiscalCode string           `json:"organizationFiscalCode,omitempty"`
	Type                   string           `json:"type,omitempty"`
	FiscalCode             string           `json:"fiscalCode,omitempty"`
	FullName               string           `json:"fullName,omitempty"`
	CompanyName            string           `json:"companyName,omitempty"`
	OfficeName             string           `json:"officeName,omitempty"`
	InsertedDate           *Time            `json:"insertedDate,omitempty"`
	PublishDate            *Time            `json:"publishDate,omitempty"`
	ValidityDate           *Time            `json:"validityDate,omitempty"`
	PaymentDate            *Time            `json:"paymentDate,omitempty"`
	Status                 string           `json:"status,omitempty"`
	LastUpdatedDate        *Time            `json:"lastUpdatedDate,omitempty"`
	PaymentOption          []OptionResponse `json:"paymentOption"`
}

// OptionResponse is an option as GPD answers it
// (PaymentOptionModelResponse).
type OptionResponse struct {
	NAV                    string `json:"nav,omitempty"`
	IUV                    string `json:"iuv"`
	OrganizationFiscalCode string `json:"organizationFiscalCode,omitempty"`
	Amount                 int64  `json:"amount"`
	Description            string `json:"description,omitempty"`
	IsPartialPayment       bool   `json:"isPartialPayment"`
	DueDate                *Time  `json:"dueDate,omitempty"`
	PaymentDate            *Time  `json:"paymentDate,omitempty"`
	ReportingDate          *Time  `json:"reportingDate,omitempty"`
	InsertedDate           *Time  `json:"insertedDate,omitempty"`
	PaymentMethod          string `json:"paymentMethod,omitempty"`
	Fee                    int64  `json:"fee,omitempty"`
	PSPCompany             string `json:"pspCompany,omitempty"`
	IDReceipt              string `json:"idReceipt,omitempty"`
	IDFlowReporting        string `json:"idFlowReporting,omitempty"`
	Status                 string `json:"status,omitempty"`
	LastUpdatedDate        *Time  `json:"lastUpdatedDate,omitempty"`
	Transfer               []any  `json:"transfer,omitempty"`
}

// PageInfo is a list's page (PageInfo: all four required).
type PageInfo struct {
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	ItemsFound int `json:"items_found"`
	TotalPages int `json:"total_pages"`
}

// PositionsPage is one page of the list (PaymentPositionsInfo).
type PositionsPage struct {
	Positions []PositionResponse `json:"payment_position_list"`
	PageInfo  PageInfo           `json:"page_info"`
}

// AlreadyPaid is the body of the "mark paid" call
// (AlreadyPaidPaymentOptionModel).
type AlreadyPaid struct {
	PaymentDate Time `json:"paymentDate"`
}

// Problem is GPD's error body (ProblemJson).
type Problem struct {
	Title  string `json:"title,omitempty"`
	Status int    `json:"status,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// MaxLimit is the largest page the list call accepts.
const MaxLimit = 50

// DateTimeLayout is GPD's date-time as it writes and reads it (Java's
// LocalDateTime, no zone: UTC). Query filters use the same form
// (yyyy-MM-ddTHH:mm:ss).
const DateTimeLayout = "2006-01-02T15:04:05"

// Time is a GPD date-time: written as DateTimeLayout in UTC; read from
// that form, with or without fractions of a second, or from RFC 3339.
type Time struct{ time.Time }

// MarshalJSON writes the time in UTC without a zone.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(DateTimeLayout) + `"`), nil
}

// UnmarshalJSON reads DateTimeLayout (UTC), with optional fractions, or
// RFC 3339.
func (t *Time) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return &time.ParseError{Layout: DateTimeLayout, Value: s, Message: ": not a string"}
	}
	v, err := ParseTime(s[1 : len(s)-1])
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// ParseTime reads a GPD date-time (see Time).
func ParseTime(s string) (time.Time, error) {
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v.UTC(), nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC)
}

// At makes a Time.
func At(t time.Time) Time { return Time{t.UTC().Truncate(time.Second)} }
