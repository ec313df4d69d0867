package downstream

import "time"

// The demo people. All fictional, all on example.com.
var people = []Person{
	{Email: "ada@example.com", Description: "in every system: an account with orders, card charges, support tickets, the newsletter, analytics, credit checks and invoices"},
	{Email: "grace@example.com", Description: "customer accounts and support only"},
	{Email: "sam.parent@example.com", Description: "a parent with an account; reports their child's data"},
	{Email: "leo.child@example.com", Description: "Sam's child (born 2012): an account and the newsletter"},
}

// state is everything the stand-ins hold, guarded by Systems.mu.
type state struct {
	accounts  map[string]*account // by ID
	customers map[string]*stripeCustomer
	deletedSt map[string]bool // Stripe customer IDs deleted
	charges   []stripeCharge
	gaUsers   map[string]int         // User-ID (emailHash) → sessions recorded
	gaDeleted map[string][]time.Time // User-ID → deletion requests
	zdUsers   map[int64]*zendeskUser
	zdTickets []zendeskTicket
	members   map[string]*member // by emailHash
	debtors   map[string]*debtor // by ID
	// owner maps every identifier of a person (lower-cased) to their
	// address, kept after deletions (index).
	owner map[string]string
}

type address struct {
	Line1      string `json:"line1"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

type order struct {
	ID       string   `json:"id"`
	PlacedAt string   `json:"placedAt"`
	Items    []string `json:"items"`
	Total    string   `json:"total"`
	Currency string   `json:"currency"`
	Status   string   `json:"status"`
}

type account struct {
	ID        string
	Email     string
	Name      string
	Phone     string
	BirthDate string
	Address   address
	Created   string
	Status    string
	Orders    []order
	Corrected string // when a PATCH last changed the profile
}

type stripeCustomer struct {
	ID      string
	Email   string
	Name    string
	Phone   string
	Address address
	Created int64
	Card    string // default payment method ID
	// The default card's details.
	CardBrand, CardLast4      string
	CardExpMonth, CardExpYear int
}

type stripeCharge struct {
	ID, Customer, Description string
	Amount                    int64
	Created                   int64
	Brand, Last4              string
	ExpMonth, ExpYear         int
	Refunded                  bool
}

type zendeskUser struct {
	ID        int64
	Name      string
	Email     string
	Phone     string
	CreatedAt string
	Locale    string
	Deleted   bool // soft-deleted: only deleted_users knows it
}

type zendeskTicket struct {
	ID          int64
	RequesterID int64
	Subject     string
	Description string
	Status      string
	CreatedAt   string
}

type member struct {
	Email        string
	FirstName    string
	LastName     string
	Status       string
	Language     string
	IPSignup     string
	SignedUpAt   string
	LastChanged  string
	Unsubscribed []time.Time // every unsubscribe, recorded
}

type creditCheck struct {
	Bureau    string `json:"bureau"`
	CheckedOn string `json:"checkedOn"`
	Score     int    `json:"score"`
	Decision  string `json:"decision"`
	Limit     string `json:"limit"`
}

type invoice struct {
	Number   string `json:"number"`
	Issued   string `json:"issued"`
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	SoldOn   string `json:"soldOn"`
	Status   string `json:"status"`
}

type debtor struct {
	ID             string
	Email          string
	Name           string
	Company        string
	CreditChecks   []creditCheck
	Invoices       []invoice
	DoNotSell      bool
	DoNotSellSince string
}

func seed() *state {
	ada := address{Line1: "12 Analytical Row", City: "Austin", State: "TX", PostalCode: "78701", Country: "US"}
	st := &state{
		accounts: map[string]*account{
			"acc_1001": {ID: "acc_1001", Email: "ada@example.com", Name: "Ada Example", Phone: "+1 512 555 0101", Address: ada,
				Created: "2023-03-14T10:02:00Z", Status: "active", Orders: []order{
					{ID: "ord_5001", PlacedAt: "2025-11-02T15:20:00Z", Items: []string{"Production planning, Team plan (12 months)"}, Total: "588.00", Currency: "USD", Status: "fulfilled"},
					{ID: "ord_5002", PlacedAt: "2026-02-18T09:41:00Z", Items: []string{"Extra seats x3"}, Total: "147.00", Currency: "USD", Status: "fulfilled"},
				}},
			"acc_1002": {ID: "acc_1002", Email: "grace@example.com", Name: "Grace Example", Phone: "+1 206 555 0142",
				Address: address{Line1: "400 Compiler Way", City: "Seattle", State: "WA", PostalCode: "98101", Country: "US"},
				Created: "2024-07-01T08:00:00Z", Status: "active", Orders: []order{
					{ID: "ord_5101", PlacedAt: "2024-07-01T08:05:00Z", Items: []string{"Production planning, Solo plan (monthly)"}, Total: "19.00", Currency: "USD", Status: "fulfilled"},
				}},
			"acc_1003": {ID: "acc_1003", Email: "sam.parent@example.com", Name: "Sam Example", Phone: "+1 415 555 0177",
				Address: address{Line1: "9 Family Lane", City: "Oakland", State: "CA", PostalCode: "94607", Country: "US"},
				Created: "2022-09-09T12:00:00Z", Status: "active"},
			"acc_1004": {ID: "acc_1004", Email: "leo.child@example.com", Name: "Leo Example", BirthDate: "2012-05-20",
				Address: address{Line1: "9 Family Lane", City: "Oakland", State: "CA", PostalCode: "94607", Country: "US"},
				Created: "2025-06-01T17:30:00Z", Status: "active"},
		},
		customers: map[string]*stripeCustomer{
			"cus_QadaEx4mple01": {ID: "cus_QadaEx4mple01", Email: "ada@example.com", Name: "Ada Example", Phone: "+1 512 555 0101",
				Address: ada, Created: 1698922800, Card: "pm_1QadaCardVisa42",
				CardBrand: "visa", CardLast4: "4242", CardExpMonth: 8, CardExpYear: 2028},
		},
		deletedSt: map[string]bool{},
		charges: []stripeCharge{
			{ID: "ch_3QadaCharge0001", Customer: "cus_QadaEx4mple01", Description: "Team plan (12 months)", Amount: 58800, Created: 1762096800, Brand: "visa", Last4: "4242", ExpMonth: 8, ExpYear: 2028},
			{ID: "ch_3QadaCharge0002", Customer: "cus_QadaEx4mple01", Description: "Extra seats x3", Amount: 14700, Created: 1771407660, Brand: "visa", Last4: "4242", ExpMonth: 8, ExpYear: 2028},
		},
		gaUsers:   map[string]int{emailHash("ada@example.com"): 37},
		gaDeleted: map[string][]time.Time{},
		zdUsers: map[int64]*zendeskUser{
			381726354901: {ID: 381726354901, Name: "Ada Example", Email: "ada@example.com", Phone: "+1 512 555 0101", CreatedAt: "2024-01-09T14:12:00Z", Locale: "en-US"},
			381726354902: {ID: 381726354902, Name: "Grace Example", Email: "grace@example.com", CreatedAt: "2024-08-20T10:30:00Z", Locale: "en-US"},
		},
		zdTickets: []zendeskTicket{
			{ID: 70431, RequesterID: 381726354901, Subject: "Invoice address wrong", Description: "Please change the address on my last invoice to 12 Analytical Row.", Status: "solved", CreatedAt: "2025-11-04T09:00:00Z"},
			{ID: 70877, RequesterID: 381726354901, Subject: "Adding seats", Description: "How do I add three seats to the team plan?", Status: "closed", CreatedAt: "2026-02-17T16:45:00Z"},
			{ID: 71002, RequesterID: 381726354902, Subject: "Cannot export my plan", Description: "The export button does nothing in my browser.", Status: "open", CreatedAt: "2026-03-02T11:10:00Z"},
		},
		members: map[string]*member{
			emailHash("ada@example.com"): {Email: "ada@example.com", FirstName: "Ada", LastName: "Example", Status: "subscribed", Language: "en",
				IPSignup: "203.0.113.24", SignedUpAt: "2023-03-14T10:05:00Z", LastChanged: "2023-03-14T10:05:00Z"},
			emailHash("leo.child@example.com"): {Email: "leo.child@example.com", FirstName: "Leo", LastName: "Example", Status: "subscribed", Language: "es",
				IPSignup: "198.51.100.7", SignedUpAt: "2025-06-01T17:35:00Z", LastChanged: "2025-06-01T17:35:00Z"},
		},
		debtors: map[string]*debtor{
			"DEB-10042": {ID: "DEB-10042", Email: "ada@example.com", Name: "Ada Example", Company: "Example Analytical Engines LLC",
				CreditChecks: []creditCheck{{Bureau: "Example Credit Bureau", CheckedOn: "2025-10-30", Score: 742, Decision: "net 30 approved", Limit: "5000.00"}},
				Invoices: []invoice{
					{Number: "INV-2025-0412", Issued: "2025-11-02", Amount: "588.00", Currency: "USD", SoldOn: "2025-11-05", Status: "paid"},
					{Number: "INV-2026-0077", Issued: "2026-02-18", Amount: "147.00", Currency: "USD", SoldOn: "2026-02-20", Status: "open"},
				}},
		},
	}
	st.index()
	return st
}
