package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/intake"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// actionView is an action's page: what it will do, and its form.
type actionView struct {
	Action  string
	Request *request.Request
	// Problems are the form's, by field; Form is what was sent.
	Problems FormError
	Form     map[string][]string
	// Kinds are, for set-kinds, the kinds to choose from.
	Kinds []request.Kind
	// ReasonsFor are the denial reasons each of the request's kinds may
	// be refused for; DenyKinds the kinds a denial refuses (not the
	// opt-outs carried out already).
	ReasonsFor map[request.Kind][]Choice
	DenyKinds  []request.Kind
	// DenialOnTrail says the request's denial, with its reasons, is on
	// the trail: a retried notice sends those reasons.
	DenialOnTrail bool
	// Erased are, for deny, the systems the trail shows erased the
	// person's data already, which a denial cannot undo.
	Erased []string
	// Spanish says the requester is written to in Spanish.
	Spanish bool
	// For finish-step: what the team was told had failed. For
	// rerun-fulfilment: the run this will be and its execution's name.
	Failed string
	// Steps are, for finish-step, the steps the fulfilment gave up on.
	Steps []FailedStep
	// OwnersWait: the fulfilment still waits for owners' tasks, some of
	// them stuck (overdue, or their owner cannot do them); Wakes: this
	// console wakes that wait when one is finished by hand.
	OwnersWait, Wakes bool
	// CopyAsked: the request asks for a copy (finish-step asks that an
	// export's copy made by hand was sent to the requester).
	CopyAsked bool
	// CanRerun, CanFinish: the request's page offers "Run the fulfilment
	// again", "Finish a step by hand" (the deny page's advice names only
	// what it offers).
	CanRerun, CanFinish bool
	Run                 int
	Execution           string
	// HeldBack says what sending a held-back acknowledgement will do;
	// Deny, that the request may be denied instead.
	HeldBack heldBackView
	Deny     bool
}

// Value is the first value sent for field.
func (v actionView) Value(field string) string {
	if vs := v.Form[field]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Checked reports whether value was sent for field.
func (v actionView) Checked(field, value string) bool { return slices.Contains(v.Form[field], value) }

var actionTitles = map[string]string{
	ActionSendHeldBack: "Send the acknowledgement",
	ActionSetKinds:     "Say what this mail asks for",
	ActionNameConsumer: "Name the consumer",
	ActionExtend:       "Extend the request",
	ActionDeny:         "Deny the request",
	ActionWithdraw:     "Withdraw the request",
	ActionNotARequest:  "Close: not a privacy request",
	ActionComplete:     "Complete the request",

	ActionFinishStep:      "Finish a step by hand",
	ActionRerun:           "Run the fulfilment again",
	ActionResendLink:      "Send the verification link again",
	ActionMarkDuplicate:   "Mark as a duplicate",
	ActionNote:            "Add a note",
	ActionWriteCorrection: "Write the correction for the systems",
	ActionRevokeStatus:    "Stop the status page links",
}

func (h *Handler) newActionView(action string, r *request.Request, events []request.Event) actionView {
	v := actionView{Action: action, Request: r, Kinds: TriageKinds(), Spanish: r.Language == "es"}
	v.DenyKinds = DeniableKinds(r, events)
	_, v.DenialOnTrail = lastOf(events, request.StatusAction(request.Denied))
	v.DenialOnTrail = v.DenialOnTrail && r.Status == request.Denied
	v.Erased = withdraw.Erased(events) // what a denial or a withdrawal cannot undo
	v.ReasonsFor = map[request.Kind][]Choice{}
	for _, k := range r.Kinds {
		for _, reason := range denialReasons(r, k) {
			v.ReasonsFor[k] = append(v.ReasonsFor[k], Choice{Value: reason, Label: mail.DenialReasonWordsFor(reason, k, "")})
		}
	}
	if ev, ok := lastOf(events, r.Attention); ok && r.Attention != "" {
		v.Failed = ev.Data["failed"]
		if r.Attention == request.ActionNeedsAttention {
			// The list is of steps; another mark (a stage that failed) is
			// said as it is.
			v.Steps = failedSteps(events)
		}
	}
	if len(v.Steps) == 0 && len(stuckTasks(events)) > 0 {
		v.Steps = failedSteps(events) // owners' tasks stuck while the fulfilment waits
		v.OwnersWait = r.Attention == ""
		v.Wakes = h.desk.Owners != nil
	}
	v.CopyAsked = request.CopyAsked(r.Kinds)
	v.CanRerun = h.desk.why(ActionRerun, r, events, h.desk.Now()) == ""
	v.CanFinish = h.desk.why(ActionFinishStep, r, events, h.desk.Now()) == ""
	v.Run = reruns(events) + 1
	v.Execution = RerunName(r.ID, v.Run)
	v.HeldBack = newHeldBackView(r, h.desk.Now())
	v.Deny = h.desk.why(ActionDeny, r, events, h.desk.Now()) == ""
	return v
}

// actionPage shows an action's page: GET /console/requests/{id}/{action}.
func (h *Handler) actionPage(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	action, id := r.PathValue("action"), r.PathValue("id")
	v, err := h.desk.Request(r.Context(), id)
	if h.refused(w, r, &s, id, action, err) {
		return
	}
	if !v.Can(action) {
		h.refused(w, r, &s, id, action, &ActionError{Action: action, Why: h.desk.why(action, v.Request, v.Trail, h.desk.Now())})
		return
	}
	av := h.newActionView(action, v.Request, v.Trail)
	h.page(w, r, http.StatusOK, &s, &av)
}

// act does an action: POST /console/requests/{id}/{action}, with the
// session's CSRF token.
func (h *Handler) act(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticatePost(w, r)
	if !ok {
		return
	}
	action, id := r.PathValue("action"), r.PathValue("id")
	ctx, f := r.Context(), r.PostForm
	var done messageView
	var err error
	switch action {
	case ActionSendHeldBack:
		var got *request.Request
		got, err = h.desk.SendHeldBack(ctx, s.Member, id)
		if errors.Is(err, intake.ErrNotStarted) {
			h.page(w, r, http.StatusInternalServerError, &s, &messageView{Title: "The acknowledgement went out; the workflow did not start",
				Message: "Request " + id + ": the acknowledgement went out and is on the audit trail under your name, but the request's workflow could not be started (internal error), so its verification and fulfilment wait. Tell the desk's operators.", Request: id})
			return
		}
		if err == nil {
			done = messageView{Title: "The acknowledgement is sent", Message: h.sentHeldBackWords(id, newHeldBackView(got, h.desk.Now()))}
		}
	case ActionSetKinds:
		var kinds []request.Kind
		for _, k := range f["kinds"] {
			kinds = append(kinds, request.Kind(k))
		}
		t := Triage{Kinds: kinds, Note: f.Get("note"),
			Correction: request.CorrectionItem{Item: f.Get("correctionItem"), Wrong: f.Get("correctionWrong"), Right: f.Get("correctionRight")}}
		if f.Get("childEmail") != "" || f.Get("childAccount") != "" || f.Get("childName") != "" {
			t.Child = &request.Subject{Name: f.Get("childName"), Email: f.Get("childEmail"), Account: f.Get("childAccount")}
		}
		var got *request.Request
		if got, err = h.desk.SetKinds(ctx, s.Member, id, t); err == nil {
			done = messageView{Title: "The request's kinds are set",
				Message: "Request " + id + " now asks for: " + kindTitles(got.Kinds) + ". The requester was sent the acknowledgement of these kinds (once), and the request's workflow has started: verification, then fulfilment."}
			if got.ConsumerUnknown() {
				done.Message = "Request " + id + " now asks for: " + kindTitles(got.Kinds) + ". The authorized agent was sent the acknowledgement of these kinds (once); nothing else starts until you name the consumer."
			}
		}
	case ActionNameConsumer:
		consumer := request.Identity{Name: f.Get("consumerName"), Email: f.Get("consumerEmail")}
		if err = h.desk.NameConsumer(ctx, s.Member, id, consumer, f.Get("permission")); err == nil {
			done = messageView{Title: "The consumer is named",
				Message: "Request " + id + ": the consumer is now its requester, and the desk has asked them to confirm it with the link it mails them. Nothing is done before they confirm; the agent stays the contact."}
		}
	case ActionExtend:
		var by time.Time
		if by, err = h.desk.Extend(ctx, s.Member, id, f.Get("reason")); err == nil {
			done = messageView{Title: "The request is extended",
				Message: "Request " + id + " is extended: it must be answered by " + by.In(h.desk.Calendar.Location()).Format("Monday, January 2, 2006") + ". The requester was mailed the notice with your reason and the new date."}
		}
	case ActionDeny:
		var items []mail.DenialItem
		for _, k := range append([]request.Kind{request.Unclear}, request.Kinds...) {
			if reason := f.Get("reason." + string(k)); reason != "" {
				items = append(items, mail.DenialItem{Kind: k, Reason: reason, Detail: f.Get("detail." + string(k))})
			}
		}
		if err = h.desk.Deny(ctx, s.Member, id, items); err == nil {
			done = messageView{Title: "The request is denied",
				Message: "Request " + id + " is denied and closed. The requester was mailed the reason for each kind."}
		}
	case ActionWithdraw:
		var mailed bool
		if mailed, err = h.desk.WithdrawMailed(ctx, s.Member, id, f.Get("note"), f.Get("no-mail") == "yes"); err == nil {
			done = messageView{Title: "The request is withdrawn",
				Message: "Request " + id + " is withdrawn and closed. The requester was mailed that it is withdrawn and what of it stands."}
			if !mailed {
				done.Message = "Request " + id + " is withdrawn and closed. Nothing was mailed to the requester, as you chose."
			}
		}
	case ActionNotARequest:
		if err = h.desk.NotARequest(ctx, s.Member, id, f.Get("note")); err == nil {
			done = messageView{Title: "The mail is closed: not a privacy request",
				Message: "Request " + id + " is closed as not a privacy request, and counts in no request figure. Nothing was mailed to the sender: answer them from the team's mailbox if they need an answer."}
		}
	case ActionComplete:
		if err = h.desk.Complete(ctx, s.Member, id, f.Get("note"), f.Get("answered") == "yes"); err == nil {
			done = messageView{Title: "The request is completed",
				Message: "Request " + id + " is completed and closed. The desk mailed the requester nothing: you answered them."}
		}
	case ActionFinishStep:
		system, action := f.Get("system"), f.Get("action")
		if step := f.Get("step"); step != "" {
			system, action, _ = strings.Cut(step, "/")
		}
		var finished Finished
		switch found := f.Get("found"); found {
		case "yes", "no":
			finished, err = h.desk.FinishStep(ctx, s.Member, id, system, action, f.Get("note"), found == "no", f.Get("copySent") == "yes")
		default:
			// No default: "done" would say data was there, and deleted.
			err = FormError{"found": "Say whether the system held data about the person."}
		}
		if err == nil {
			done = messageView{Title: "The step is marked done",
				Message: "Request " + id + ": " + system + " / " + action + " is on the trail as done by hand. The request stays open. Once every step that failed is done, either run the fulfilment again (it asks only the steps not yet done, counts these done by hand and answers the requester) or answer the requester yourself and complete the request."}
			switch {
			case finished.Woken:
				done.Message = "Request " + id + ": " + system + " / " + action + " is on the trail as done by hand, and the fulfilment, which was waiting for the owners' tasks, counts it now: it stops reminding its owner, and answers the requester once every system has acted (at once, if no other task is open)."
			case finished.OwnerTask:
				done.Message = "Request " + id + ": " + system + " / " + action + " is on the trail as done by hand. The fulfilment is still waiting for the owners' tasks: it counts this one done by hand when it next wakes (at the task's next reminder or overdue check), stops reminding its owner, and answers the requester once every system has acted."
			}
		}
	case ActionRerun:
		run, _ := strconv.Atoi(f.Get("run"))
		var name string
		if name, err = h.desk.Rerun(ctx, s.Member, id, run, f.Get("note")); err == nil {
			done = messageView{Title: "The fulfilment runs again",
				Message: "Request " + id + ": the fulfil workflow started again as execution " + name + ". Only the steps not yet done are asked of their systems again (a step an earlier run did keeps its outcome, one finished by hand counts as done by hand, and an owner who said they cannot do their task is asked again, with a new due time, unless it was finished by hand); the requester is answered when every system has acted, and if a step fails again the request stays on the list of those needing attention and the team is mailed the new failures."}
		}
	case ActionResendLink:
		var until time.Time
		if until, err = h.desk.ResendLink(ctx, s.Member, id); err == nil {
			done = messageView{Title: "The verification link is sent again",
				Message: "Request " + id + ": the requester was mailed a new verification link, which works until " + until.In(h.desk.Calendar.Location()).Format("Monday, January 2, 2006 at 3:04 PM MST") + ". The first link works too."}
		}
	case ActionMarkDuplicate:
		if err = h.desk.MarkDuplicate(ctx, s.Member, id, f.Get("of"), f.Get("note")); err == nil {
			done = messageView{Title: "The request is marked as a duplicate",
				Message: "Request " + id + " is marked as repeating " + strings.ToUpper(strings.TrimSpace(f.Get("of"))) + ". It stays open: close it as the case needs (withdraw it at the requester's word, or deny it)."}
		}
	case ActionRevokeStatus:
		if err = h.desk.RevokeStatusLinks(ctx, s.Member, id, f.Get("note")); err == nil {
			done = messageView{Title: "The status page links are stopped",
				Message: "Request " + id + ": every status page link mailed until now shows that it no longer works. Mail the desk sends from now on carries a new link."}
		}
	case ActionWriteCorrection:
		item := request.CorrectionItem{Item: f.Get("correctionItem"), Wrong: f.Get("correctionWrong"), Right: f.Get("correctionRight")}
		if err = h.desk.WriteCorrection(ctx, s.Member, id, item, f.Get("note")); err == nil {
			done = messageView{Title: "The correction is written",
				Message: "Request " + id + ": the systems will correct " + strings.TrimSpace(item.Item) + " as you wrote it. If its correction step failed, run the fulfilment again."}
		}
	case ActionNote:
		if err = h.desk.AddNote(ctx, s.Member, id, f.Get("note")); err == nil {
			done = messageView{Title: "The note is added", Message: "Request " + id + ": your note is on its audit trail."}
		}
	default:
		err = &ActionError{Action: action, Why: "no such action"}
	}
	var form FormError
	if errors.As(err, &form) {
		req, gerr := h.desk.Store.Get(ctx, id)
		if gerr != nil {
			h.fail(w, r, "read request", gerr)
			return
		}
		events, gerr := h.desk.Store.Events(ctx, id)
		if gerr != nil {
			h.fail(w, r, "read trail", gerr)
			return
		}
		v := h.newActionView(action, req, events)
		v.Problems, v.Form = form, f
		h.page(w, r, http.StatusBadRequest, &s, &v)
		return
	}
	if h.refused(w, r, &s, id, action, err) {
		return
	}
	done.Request = id
	h.page(w, r, http.StatusOK, &s, &done)
}

// refused answers an action that cannot be done, and reports whether err
// was one.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, s *session, id, action string, err error) bool {
	var ae *ActionError
	switch {
	case err == nil:
		return false
	case errors.Is(err, request.ErrNotFound):
		h.page(w, r, http.StatusNotFound, s, &messageView{Title: "No such request",
			Message: "There is no request " + id + "."})
	case actionTitles[action] == "":
		h.page(w, r, http.StatusNotFound, s, &messageView{Title: "No such action",
			Message: "The console has no action \"" + action + "\" for a request.", Request: id})
	case errors.As(err, &ae):
		h.page(w, r, http.StatusConflict, s, &messageView{Title: "This cannot be done now",
			Message: "Request " + id + ": " + ae.Why + ". Nothing was changed.", Request: id})
	case errors.Is(err, request.ErrConflict), errors.Is(err, request.ErrTransition):
		h.page(w, r, http.StatusConflict, s, &messageView{Title: "The request changed meanwhile",
			Message: "Request " + id + " changed while you were on its page, so nothing was done. Open it again and decide on what it is now.", Request: id})
	default:
		h.fail(w, r, action+" "+id, err)
	}
	return true
}

// kindTitles names kinds as the team reads them ("Delete your personal
// data; Stop marketing email").
func kindTitles(kinds []request.Kind) string {
	titles := make([]string, len(kinds))
	for i, k := range kinds {
		titles[i] = k.Title()
	}
	return strings.Join(titles, "; ")
}
