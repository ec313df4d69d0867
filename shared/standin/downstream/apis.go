package downstream

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// accounts is the company's customer accounts API.
//
//	GET    /v1/customers?email=      {"customers":[{id,email,name,status}]}
//	GET    /v1/customers/{id}/export {"account":{…},"profile":{…},"orders":[…]}
//	PATCH  /v1/customers/{id}        a correction of the profile (name, phone, address)
//	POST   /v1/customers/{id}/corrections
//	                                 a requester's correction in their words:
//	                                 {"source","items":[{"item","wrong","right"}]};
//	                                 each item must name the name, phone or
//	                                 address, or nothing is changed (422)
//	DELETE /v1/customers/{id}        204
func (s *Systems) accounts() http.Handler {
	mux := http.NewServeMux()
	notFound := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found", "message": "No such customer."})
	}
	mux.HandleFunc("GET /v1/customers", func(w http.ResponseWriter, r *http.Request) {
		email := r.URL.Query().Get("email")
		s.mu.Lock()
		defer s.mu.Unlock()
		list := []any{}
		for _, id := range sortedKeys(s.data.accounts) {
			a := s.data.accounts[id]
			if strings.EqualFold(a.Email, email) {
				list = append(list, map[string]any{"id": a.ID, "email": a.Email, "name": a.Name, "status": a.Status})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"customers": list})
	})
	mux.HandleFunc("GET /v1/customers/{id}/export", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		a, ok := s.data.accounts[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		orders := a.Orders
		if orders == nil {
			orders = []order{}
		}
		profile := map[string]any{"name": a.Name, "email": a.Email, "phone": a.Phone, "address": a.Address}
		if a.BirthDate != "" {
			profile["birthDate"] = a.BirthDate
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"account": map[string]any{"id": a.ID, "status": a.Status, "createdAt": a.Created, "correctedAt": a.Corrected},
			"profile": profile,
			"orders":  orders,
		})
	})
	mux.HandleFunc("PATCH /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name    *string  `json:"name"`
			Phone   *string  `json:"phone"`
			Address *address `json:"address"`
		}
		if err := decodeBody(r, &in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "message": "Only name, phone and address may be changed."})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		a, ok := s.data.accounts[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		if in.Name != nil {
			a.Name = *in.Name
		}
		if in.Phone != nil {
			a.Phone = *in.Phone
		}
		if in.Address != nil {
			a.Address = *in.Address
		}
		a.Corrected = s.now().UTC().Format(time.RFC3339)
		s.applyLocked(CustomerAccounts, a.Email, "change profile", true)
		writeJSON(w, http.StatusOK, map[string]any{"id": a.ID, "email": a.Email, "name": a.Name, "phone": a.Phone, "address": a.Address})
	})
	mux.HandleFunc("POST /v1/customers/{id}/corrections", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Source string `json:"source"`
			Items  []struct {
				Item  string `json:"item"`
				Wrong string `json:"wrong"`
				Right string `json:"right"`
			} `json:"items"`
		}
		if err := decodeBody(r, &in); err != nil || len(in.Items) == 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "message": "A correction lists items, each with item and right."})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		a, ok := s.data.accounts[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		next := *a
		var applied []string
		for _, it := range in.Items {
			field := profileField(it.Item)
			if field == "" || strings.TrimSpace(it.Right) == "" {
				writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "unknown_field",
					"message": "Only the name, phone and address can be corrected here; nothing was changed."})
				return
			}
			switch field {
			case "name":
				next.Name = it.Right
			case "phone":
				next.Phone = it.Right
			case "address":
				next.Address = address{Line1: it.Right}
			}
			applied = append(applied, field)
		}
		next.Corrected = s.now().UTC().Format(time.RFC3339)
		*a = next
		s.applyLocked(CustomerAccounts, a.Email, "correct", true)
		writeJSON(w, http.StatusOK, map[string]any{"id": a.ID, "corrected": applied})
	})
	mux.HandleFunc("DELETE /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		a, ok := s.data.accounts[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		s.applyLocked(CustomerAccounts, a.Email, "delete account", false)
		delete(s.data.accounts, r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// profileField is the profile field a requester's words name ("Postal
// address", "my phone number"), or "" for none.
func profileField(item string) string {
	item = strings.ToLower(item)
	switch {
	case strings.Contains(item, "email"), strings.Contains(item, "e-mail"):
		return "" // an address change needs the new address verified
	case strings.Contains(item, "address"):
		return "address"
	case strings.Contains(item, "phone"), strings.Contains(item, "mobile"):
		return "phone"
	case strings.Contains(item, "name") && !otherName(item):
		return "name"
	}
	return ""
}

// otherName reports whether item names a name that is not the person's
// own ("Company name", "user name"): the profile holds none of those.
func otherName(item string) bool {
	for _, w := range []string{"company", "business", "organisation", "organization", "user", "file", "account", "pet", "brand"} {
		if strings.Contains(item, w) {
			return true
		}
	}
	return false
}

// stripe is the part of Stripe's API the registry uses.
//
//	GET    /v1/customers?email=&limit= a list; the email filter is exact and case-sensitive
//	GET    /v1/customers/{id}          the customer (a deleted one answers {"deleted":true})
//	GET    /v1/charges?customer=       the customer's charges (kept after the customer is deleted)
//	DELETE /v1/customers/{id}          {"id","object":"customer","deleted":true}
func (s *Systems) stripe() http.Handler {
	mux := http.NewServeMux()
	missing := func(w http.ResponseWriter, id string) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{
			"code": "resource_missing", "param": "id", "type": "invalid_request_error", "message": "No such customer: '" + id + "'"}})
	}
	mux.HandleFunc("GET /v1/customers", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit := 10
		if n, err := strconv.Atoi(q.Get("limit")); err == nil && n >= 1 && n <= 100 {
			limit = n
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		data := []any{}
		for _, id := range sortedKeys(s.data.customers) {
			c := s.data.customers[id]
			if (q.Get("email") == "" || c.Email == q.Get("email")) && len(data) < limit {
				data = append(data, c.json())
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "url": "/v1/customers", "has_more": false, "data": data})
	})
	mux.HandleFunc("GET /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.mu.Lock()
		defer s.mu.Unlock()
		if c, ok := s.data.customers[id]; ok {
			writeJSON(w, http.StatusOK, c.json())
			return
		}
		if s.data.deletedSt[id] {
			writeJSON(w, http.StatusOK, map[string]any{"id": id, "object": "customer", "deleted": true})
			return
		}
		missing(w, id)
	})
	mux.HandleFunc("DELETE /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		s.mu.Lock()
		defer s.mu.Unlock()
		c, ok := s.data.customers[id]
		if !ok {
			missing(w, id)
			return
		}
		s.applyLocked(Payments, c.Email, "delete customer", false)
		delete(s.data.customers, id)
		s.data.deletedSt[id] = true
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "object": "customer", "deleted": true})
	})
	// GET /v1/customers/{id}/payment_methods?type=card: the customer's
	// saved cards, as Stripe lists them (its default one here).
	mux.HandleFunc("GET /v1/customers/{id}/payment_methods", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		c, ok := s.data.customers[r.PathValue("id")]
		if !ok {
			missing(w, r.PathValue("id"))
			return
		}
		data := []any{}
		if c.Card != "" && (r.URL.Query().Get("type") == "" || r.URL.Query().Get("type") == "card") {
			data = append(data, map[string]any{"id": c.Card, "object": "payment_method", "type": "card", "customer": c.ID,
				"card": map[string]any{"brand": c.CardBrand, "last4": c.CardLast4, "exp_month": c.CardExpMonth, "exp_year": c.CardExpYear}})
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "url": "/v1/customers/" + c.ID + "/payment_methods", "has_more": false, "data": data})
	})
	mux.HandleFunc("GET /v1/charges", func(w http.ResponseWriter, r *http.Request) {
		customer := r.URL.Query().Get("customer")
		s.mu.Lock()
		defer s.mu.Unlock()
		data := []any{}
		for _, c := range s.data.charges {
			if customer == "" || c.Customer == customer {
				data = append(data, c.json())
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "url": "/v1/charges", "has_more": false, "data": data})
	})
	return mux
}

func (c *stripeCustomer) json() map[string]any {
	return map[string]any{
		"id": c.ID, "object": "customer", "email": c.Email, "name": c.Name, "phone": c.Phone, "created": c.Created, "currency": "usd",
		"address": map[string]any{"line1": c.Address.Line1, "city": c.Address.City, "state": c.Address.State,
			"postal_code": c.Address.PostalCode, "country": c.Address.Country},
		"invoice_settings": map[string]any{"default_payment_method": c.Card},
		"livemode":         false,
	}
}

func (c stripeCharge) json() map[string]any {
	return map[string]any{
		"id": c.ID, "object": "charge", "amount": c.Amount, "currency": "usd", "created": c.Created, "customer": c.Customer,
		"description": c.Description, "status": "succeeded", "paid": true, "refunded": c.Refunded,
		"payment_method_details": map[string]any{"type": "card", "card": map[string]any{
			"brand": c.Brand, "last4": c.Last4, "exp_month": c.ExpMonth, "exp_year": c.ExpYear}},
	}
}

// analytics is Google Analytics' User Deletion API.
//
//	POST /analytics/v3/userDeletion/userDeletionRequests:upsert
//	     {"kind":"analytics#userDeletionRequest","id":{"type":"USER_ID","userId":…},"propertyId":…}
//
// Each request is recorded by User-ID; the user's analytics are gone.
func (s *Systems) analytics() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /analytics/v3/userDeletion/userDeletionRequests:upsert", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Kind string `json:"kind"`
			ID   struct {
				Type   string `json:"type"`
				UserID string `json:"userId"`
			} `json:"id"`
			PropertyID string `json:"propertyId"`
			WebPropID  string `json:"webPropertyId"`
		}
		err := decodeBody(r, &in)
		if err != nil || in.Kind != "analytics#userDeletionRequest" || in.ID.Type != "USER_ID" || in.ID.UserID == "" || (in.PropertyID == "" && in.WebPropID == "") {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
				"code": 400, "message": "Invalid value for the user deletion request.", "status": "INVALID_ARGUMENT"}})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		at := s.now().UTC()
		s.data.gaDeleted[in.ID.UserID] = append(s.data.gaDeleted[in.ID.UserID], at)
		s.applyLocked(Analytics, in.ID.UserID, "user deletion request", true)
		delete(s.data.gaUsers, in.ID.UserID)
		writeJSON(w, http.StatusOK, map[string]any{
			"kind": in.Kind, "id": map[string]any{"type": in.ID.Type, "userId": in.ID.UserID},
			"propertyId": in.PropertyID, "deletionRequestTime": at.Format(time.RFC3339Nano),
		})
	})
	return mux
}

// zendesk is the part of Zendesk's Support API the registry uses.
//
//	GET    /api/v2/users/search.json?query=        users whose email or name contains the query
//	GET    /api/v2/users/{id}.json                 {"user":{…}}
//	GET    /api/v2/users/{id}/tickets/requested.json {"tickets":[…]}
//	DELETE /api/v2/users/{id}.json                 soft delete: the user leaves search
//	DELETE /api/v2/deleted_users/{id}.json         permanent deletion, with the user's tickets
func (s *Systems) zendesk() http.Handler {
	mux := http.NewServeMux()
	notFound := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "RecordNotFound", "description": "Not found"})
	}
	mux.HandleFunc("GET /api/v2/users/search.json", func(w http.ResponseWriter, r *http.Request) {
		q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("query")))
		s.mu.Lock()
		defer s.mu.Unlock()
		users := []any{}
		for _, id := range sortedKeys(s.data.zdUsers) {
			u := s.data.zdUsers[id]
			if q != "" && !u.Deleted && (strings.Contains(strings.ToLower(u.Email), q) || strings.Contains(strings.ToLower(u.Name), q)) {
				users = append(users, u.json())
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"users": users, "next_page": nil, "previous_page": nil, "count": len(users)})
	})
	user := func(r *http.Request) (*zendeskUser, bool) {
		id, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue("file"), ".json"), 10, 64)
		if err != nil || !strings.HasSuffix(r.PathValue("file"), ".json") {
			return nil, false
		}
		u, ok := s.data.zdUsers[id]
		return u, ok
	}
	mux.HandleFunc("GET /api/v2/users/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		u, ok := user(r)
		if !ok || u.Deleted {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"user": u.json()})
	})
	mux.HandleFunc("GET /api/v2/users/{id}/tickets/requested.json", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		s.mu.Lock()
		defer s.mu.Unlock()
		u, ok := s.data.zdUsers[id]
		if err != nil || !ok || u.Deleted {
			notFound(w)
			return
		}
		tickets := []any{}
		for _, t := range s.data.zdTickets {
			if t.RequesterID == id {
				tickets = append(tickets, map[string]any{"id": t.ID, "subject": t.Subject, "description": t.Description,
					"status": t.Status, "created_at": t.CreatedAt, "requester_id": t.RequesterID, "via": map[string]any{"channel": "email"}})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"tickets": tickets, "next_page": nil, "previous_page": nil, "count": len(tickets)})
	})
	mux.HandleFunc("DELETE /api/v2/users/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		u, ok := user(r)
		if !ok || u.Deleted {
			notFound(w)
			return
		}
		u.Deleted = true
		s.applyLocked(SupportDesk, u.Email, "soft-delete user", false)
		out := u.json()
		out["active"] = false
		writeJSON(w, http.StatusOK, map[string]any{"user": out})
	})
	mux.HandleFunc("DELETE /api/v2/deleted_users/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		u, ok := user(r)
		if !ok || !u.Deleted {
			notFound(w)
			return
		}
		s.applyLocked(SupportDesk, u.Email, "delete user permanently", false)
		delete(s.data.zdUsers, u.ID)
		s.data.zdTickets = slices.DeleteFunc(s.data.zdTickets, func(t zendeskTicket) bool { return t.RequesterID == u.ID })
		writeJSON(w, http.StatusOK, map[string]any{"deleted_user": map[string]any{"id": u.ID, "name": "Permanently deleted user", "active": false}})
	})
	return mux
}

func (u *zendeskUser) json() map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "phone": u.Phone, "role": "end-user",
		"created_at": u.CreatedAt, "locale": u.Locale, "active": !u.Deleted, "verified": true}
}

// newsletter is the newsletter tool's member API, keyed by the hex SHA-256
// of the lower-cased address.
//
//	GET    /v1/lists/newsletter/members/{emailHash} the member
//	PATCH  /v1/lists/newsletter/members/{emailHash} {"status":"unsubscribed"} (recorded)
//	DELETE /v1/lists/newsletter/members/{emailHash} 204
func (s *Systems) newsletter() http.Handler {
	mux := http.NewServeMux()
	const path = "/v1/lists/newsletter/members/{hash}"
	notFound := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusNotFound, map[string]any{"title": "Resource Not Found", "status": 404, "detail": "The requested resource could not be found."})
	}
	mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		m, ok := s.data.members[r.PathValue("hash")]
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, m.json(r.PathValue("hash")))
	})
	mux.HandleFunc("PATCH "+path, func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Status string `json:"status"`
		}
		if err := decodeBody(r, &in); err != nil || (in.Status != "subscribed" && in.Status != "unsubscribed") {
			writeJSON(w, http.StatusBadRequest, map[string]any{"title": "Invalid Resource", "status": 400, "detail": "status must be subscribed or unsubscribed."})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		m, ok := s.data.members[r.PathValue("hash")]
		if !ok {
			notFound(w)
			return
		}
		at := s.now().UTC()
		m.Status, m.LastChanged = in.Status, at.Format(time.RFC3339)
		if in.Status == "unsubscribed" {
			m.Unsubscribed = append(m.Unsubscribed, at)
		}
		s.applyLocked(Newsletter, m.Email, "set "+in.Status, true)
		writeJSON(w, http.StatusOK, m.json(r.PathValue("hash")))
	})
	mux.HandleFunc("DELETE "+path, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		m, ok := s.data.members[r.PathValue("hash")]
		if !ok {
			notFound(w)
			return
		}
		s.applyLocked(Newsletter, m.Email, "delete member", false)
		delete(s.data.members, r.PathValue("hash"))
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func (m *member) json(hash string) map[string]any {
	return map[string]any{"id": hash, "email_address": m.Email, "status": m.Status, "language": m.Language,
		"merge_fields": map[string]any{"FNAME": m.FirstName, "LNAME": m.LastName},
		"ip_signup":    m.IPSignup, "timestamp_signup": m.SignedUpAt, "last_changed": m.LastChanged, "list_id": "newsletter"}
}

// factoring is the factoring partner's debtor API.
//
//	GET   /v2/debtors?email=  {"debtors":[{id,email,name,company}]}
//	GET   /v2/debtors/{id}    the debtor with creditChecks and invoices
//	PATCH /v2/debtors/{id}    {"doNotSell":true}: stop selling or sharing (recorded)
//
// It has no deletion: the records are under legal holds.
func (s *Systems) factoring() http.Handler {
	mux := http.NewServeMux()
	notFound := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found"})
	}
	mux.HandleFunc("GET /v2/debtors", func(w http.ResponseWriter, r *http.Request) {
		email := r.URL.Query().Get("email")
		s.mu.Lock()
		defer s.mu.Unlock()
		list := []any{}
		for _, id := range sortedKeys(s.data.debtors) {
			d := s.data.debtors[id]
			if strings.EqualFold(d.Email, email) {
				list = append(list, map[string]any{"id": d.ID, "email": d.Email, "name": d.Name, "company": d.Company})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"debtors": list})
	})
	mux.HandleFunc("GET /v2/debtors/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		d, ok := s.data.debtors[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, d.json())
	})
	mux.HandleFunc("PATCH /v2/debtors/{id}", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			DoNotSell *bool `json:"doNotSell"`
		}
		if err := decodeBody(r, &in); err != nil || in.DoNotSell == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "message": "only doNotSell may be changed"})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		d, ok := s.data.debtors[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		if *in.DoNotSell && !d.DoNotSell {
			d.DoNotSellSince = s.now().UTC().Format(time.RFC3339)
		}
		d.DoNotSell = *in.DoNotSell
		s.applyLocked(CreditFactoring, d.Email, "set doNotSell", true)
		writeJSON(w, http.StatusOK, d.json())
	})
	return mux
}

func (d *debtor) json() map[string]any {
	return map[string]any{"id": d.ID, "email": d.Email, "name": d.Name, "company": d.Company,
		"creditChecks": d.CreditChecks, "invoices": d.Invoices, "doNotSell": d.DoNotSell, "doNotSellSince": d.DoNotSellSince}
}

func sortedKeys[K int64 | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
