package central

// PathCertificates is the prefix of GET /v1/certificates/{account_id}?year=YYYY
// → app.FamilyCertificate (a counter's kiosk token): the family's yearly
// certificate of canteen payments for the tax return (openapi.yaml).
const PathCertificates = "/v1/certificates/"
