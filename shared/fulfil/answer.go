package fulfil

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/withdraw"
)

// StepResult is one item of the workflow's Map output: a StepOutput, a
// manual step's confirmation ({system, action, confirmedAt, noted}), or a
// caught failure ({system, action, failed: true, error: {Error, Cause}}).
type StepResult struct {
	RequestID   string        `json:"requestId,omitempty"`
	System      string        `json:"system"`
	Action      system.Action `json:"action"`
	Outcome     string        `json:"outcome,omitempty"`
	Found       bool          `json:"found,omitempty"`
	Withheld    []string      `json:"withheld,omitempty"`
	ConfirmedAt string        `json:"confirmedAt,omitempty"`
	Noted       bool          `json:"noted,omitempty"` // the owner left a note (on the audit trail)
	Failed      bool          `json:"failed,omitempty"`
	Error       *StepError    `json:"error,omitempty"`
}

// StepError is a caught error as Step Functions passes it on.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// AnswerInput is the request and what every step did. When a stage of the
// workflow itself failed (the plan, or the answer after its retries), the
// workflow's Catch calls Answer again with Stage and Failure set instead:
// the privacy team is told, so the request is not left in progress unseen.
type AnswerInput struct {
	RequestID string       `json:"requestId"`
	Scope     string       `json:"scope,omitempty"` // the plan's scope: ScopeOptOuts, or empty
	Results   []StepResult `json:"results"`
	// Owners are the owners' tasks' results: a list, or one caught failure
	// of the owners' loop.
	Owners ownerResultList `json:"owners,omitempty"`
	// Workflow and Stage name a stage that failed after its retries, as
	// the failing workflow's Catch names it ("fulfil"/"plan",
	// "request"/"verification"); Failure is the caught error.
	Workflow string     `json:"workflow,omitempty"`
	Stage    string     `json:"stage,omitempty"`
	Failure  *StepError `json:"failure,omitempty"`
}

// AnswerOutput says how the request ended.
type AnswerOutput struct {
	RequestID      string   `json:"requestId"`
	Completed      bool     `json:"completed"`
	NeedsAttention bool     `json:"needsAttention"`
	Failed         []string `json:"failed,omitempty"` // "system/action"
	// Skipped is the request's status when nobody was answered because the
	// request was closed (withdrawn, denied) meanwhile.
	Skipped string `json:"skipped,omitempty"`
}

// ActionStageFailed is recorded when the team is told that a stage of the
// workflow (plan or answer) failed.
const ActionStageFailed = request.ActionStageFailed

// Answer closes fulfilment. When every step succeeded it mails the requester
// the answer (in the request's language: what was done per system, what was
// withheld and why, the systems not concerned; for a copy of the data —
// specific pieces or portability — a 7-day link to the desk's download page
// for the package; for a request to know the categories alone, the
// categories each system holds about the person and no copy), records
// "answered" and completes the request. When
// a step failed it tells the privacy team instead, records "needs-attention"
// and leaves the request in progress for them to finish. Each mail goes out
// once: a retried Answer finds its event on the trail and does not resend.
func (s *Service) Answer(ctx context.Context, in AnswerInput) (AnswerOutput, error) {
	in.Results = append(slices.Clip(in.Results), in.Owners...)
	out := AnswerOutput{RequestID: in.RequestID}
	r, err := s.load(ctx, in.RequestID)
	if err != nil {
		return out, err
	}
	optOuts := in.Scope == ScopeOptOuts
	switch {
	case optOuts && r.Status != request.Withdrawn && r.Status != request.Denied:
		// The opt-outs were carried out whatever became of the rest: the
		// requester is told even if the rest closed unverified. (A
		// withdrawal or a denial stopped them: their steps were skipped.)
	case in.Failure != nil && !r.Status.Closed():
		// A failed stage is reported whatever the request's open status.
	case r.Status == request.InProgress, r.Status == request.Extended:
	case r.Status == request.Completed:
		// Answered already, or finished by the team: nothing is sent again,
		// and nothing reads the parts again.
		out.Completed = true
		s.dropParts(ctx, r.ID, in.Results)
		return out, nil
	default:
		// Withdrawn or denied while the steps ran (they were skipped): the
		// requester is not told it was done, and the status stays. What
		// the exports gathered is sent to nobody: deleted now.
		s.Log.InfoContext(ctx, "answer skipped: request not in progress", "requestId", r.ID, "status", string(r.Status))
		out.Skipped = string(r.Status)
		s.dropParts(ctx, r.ID, in.Results)
		return out, nil
	}
	events, err := s.Store.Events(ctx, r.ID)
	if err != nil {
		s.Log.ErrorContext(ctx, "read audit trail", "requestId", r.ID, "err", err)
		return out, &TransientError{RequestID: r.ID, Op: "read audit trail", Err: err}
	}
	if in.Failure != nil {
		return s.reportFailedStage(ctx, r, events, in)
	}

	var failed []mail.AttentionItem
	done := 0
	for _, res := range in.Results {
		if res.Failed || res.Outcome == "task-started" {
			item := mail.AttentionItem{System: res.System, Action: string(res.Action), Error: "not done"}
			if res.Error != nil {
				item.Error, item.Cause = res.Error.Error, res.Error.Cause
				if res.Error.Error == ErrOwnerCannot {
					// The owner's reason, kept off the workflow, from the trail.
					item.Cause = s.ownerCannot(events, res.System, res.Action, item.Cause)
				}
			}
			failed = append(failed, item)
			out.Failed = append(out.Failed, res.System+"/"+string(res.Action))
			continue
		}
		done++
	}
	if len(failed) > 0 {
		out.NeedsAttention = true
		return out, s.tellTeam(ctx, r, events, ActionNeedsAttention, failed, done)
	}
	answered := ActionAnswered
	if optOuts {
		answered = ActionAnswered + "-" + ScopeOptOuts
	}
	if _, ok := hasEvent(events, answered, nil); ok {
		out.Completed = true
		if optOuts {
			return out, nil
		}
		s.dropParts(ctx, r.ID, in.Results)
		return out, s.complete(ctx, r)
	}

	kinds := r.Kinds
	if optOuts {
		kinds = r.OptOutKinds()
	}
	a := mail.Answer{
		RequestID: r.ID, Kinds: kinds, ReceivedAt: r.ReceivedAt, TeamAddress: s.TeamAddress,
		Location: s.Location, Language: r.Language, NotApplicable: []string{},
		// The rest is answered on its own only while it is open.
		OptOutsOnly: optOuts && !r.OnlyOptOuts(),
		RestOpen:    optOuts && !r.OnlyOptOuts() && !r.Status.Closed(),
		// Not yet carried out, the rest may still be withdrawn.
		Withdrawable: optOuts && !r.OnlyOptOuts() && withdraw.RequesterMay(r.Status),
		Child:        r.Subject != nil,
	}
	if !optOuts {
		a.Corrections = r.Corrections
	}
	// Each system is named once, with everything done there, all in the
	// request's language; categories kept under a hold in plain words.
	lang := r.Language
	// A request to know the categories, with no copy asked, is answered
	// with the categories each system holds about the person: the
	// systems' exports only tell the desk which hold the person and in
	// what categories, and no record reaches the requester.
	copyAsked := CopyAsked(kinds)
	asked := slices.ContainsFunc(in.Results, func(res StepResult) bool { return res.Action == system.Export })
	categoriesOnly := asked && !copyAsked
	var exported, found []string
	whole := map[string]bool{} // found by their erasure: every category they hold
	for i := range s.Registry.Systems {
		sys := &s.Registry.Systems[i]
		var mine []StepResult
		for _, res := range in.Results {
			if res.System == sys.Name {
				mine = append(mine, res)
			}
		}
		if len(mine) == 0 {
			if categoriesOnly && len(sys.Categories) > 0 {
				// It holds people's data, but the desk has no way to look
				// the person up in it: named with its categories, as may
				// holding them (unchecked), not as asked nothing.
				a.MayHold = append(a.MayHold, s.heldBy(sys, lang, nil))
				continue
			}
			a.NotApplicable = append(a.NotApplicable, sys.TitleIn(lang))
			continue
		}
		line := mail.AnswerSystem{Title: sys.TitleIn(lang)}
		held := map[string]bool{}
		// Its export found the person: an erasure that then found nothing
		// (the data gone since, or deleted by its owner along with the
		// copy) must not say it never held them.
		exportHeld := slices.ContainsFunc(mine, func(res StepResult) bool {
			return res.Action == system.Export && !res.Failed &&
				(res.Outcome == mail.OutcomeExported || res.Outcome == mail.OutcomeFound || (res.ConfirmedAt != "" && res.Found))
		})
		for _, res := range mine {
			outcome := res.Outcome
			if outcome == "" && res.ConfirmedAt != "" {
				outcome = mail.OutcomeConfirmed
			}
			if res.Action == system.Erase && outcome == mail.OutcomeConfirmed {
				outcome = mail.OutcomeErasedByHand
				if len(keptBy(sys, res)) > 0 {
					outcome = mail.OutcomeErasedByHandKept
				}
			}
			if res.Action == system.Erase && outcome == mail.OutcomeNotFound && exportHeld {
				outcome = mail.OutcomeNothingLeft
			}
			if res.Action == system.Export && outcome == mail.OutcomeConfirmed && copyAsked {
				// By hand, after the owner could not: no part was uploaded,
				// so the copy is not in the download; the team said they
				// sent it apart (the console asks them to).
				outcome = mail.OutcomeExportedByHand
				if sentApart(events, sys.Name) {
					outcome = mail.OutcomeSentApart
				}
			}
			if res.Action == system.Export && outcome == mail.OutcomeConfirmed && !copyAsked && res.Found {
				// Asked for the categories alone, done by hand: the system
				// held the person; which of its kinds is not on record.
				outcome = mail.OutcomeFound
				found = append(found, sys.Name)
				whole[sys.Name] = true
			}
			if res.Action == system.Export && res.Outcome == mail.OutcomeExported {
				if copyAsked {
					exported = append(exported, sys.Name)
				} else {
					outcome = mail.OutcomeFound
					found = append(found, sys.Name)
				}
			}
			if outcome != "" && !slices.Contains(line.Outcomes, outcome) {
				line.Outcomes = append(line.Outcomes, outcome)
			}
			if res.Action == system.Erase {
				for _, h := range keptBy(sys, res) {
					if held[h.Category] {
						continue
					}
					held[h.Category] = true
					a.Withheld = append(a.Withheld, mail.AnswerHold{System: sys.TitleIn(lang), Category: s.Registry.CategoryTitle(h.Category, lang),
						Reason: h.ReasonIn(lang), Law: h.LawIn(lang), Until: h.UntilIn(lang)})
				}
			}
		}
		a.Systems = append(a.Systems, line)
		if categoriesOnly && len(sys.Categories) > 0 && !slices.ContainsFunc(mine, func(res StepResult) bool { return res.Action == system.Export }) {
			// No export to say in what the system holds the person (the
			// request's deletion asked it to erase): an erasure that found
			// them (proven, or done by hand) says the system held them,
			// not in which of the kinds it holds of people; one accepted
			// by a system that cannot be asked cannot say.
			switch heldByErasure(mine) {
			case mail.OutcomeFound:
				found = append(found, sys.Name)
				whole[sys.Name] = true
			case "":
			default:
				a.MayHold = append(a.MayHold, s.heldBy(sys, lang, nil))
			}
		}
	}
	if categoriesOnly {
		// No package, no download link.
		a.CategoriesOnly = true
		if a.Held, err = s.categoriesHeld(ctx, r.ID, lang, found, whole); err != nil {
			return out, err
		}
	}
	if asked && copyAsked {
		key, err := s.accessPackage(ctx, r.ID, r.Language, events, in.Results)
		if err != nil {
			return out, err
		}
		link, err := s.downloadLink(ctx, r.ID, key)
		if err != nil {
			return out, err
		}
		a.Link, a.LinkExpires = link.URL, link.ExpiresAt
	}

	if s.StatusLinks != nil {
		if a.StatusLink, err = s.StatusLinks.Link(ctx, r.ID); err != nil {
			s.Log.WarnContext(ctx, "status link not issued: the answer goes without it", "requestId", r.ID, "err", err)
			a.StatusLink = ""
		}
	}
	msg, err := mail.RenderAnswer(r.Requester.Email, a)
	if err != nil {
		return out, fmt.Errorf("render answer to %s: %w", r.ID, err)
	}
	id, err := s.Mail.Send(ctx, msg)
	if err != nil {
		s.Log.ErrorContext(ctx, "send answer", "requestId", r.ID, "err", err)
		return out, &TransientError{RequestID: r.ID, Op: "send answer", Err: err}
	}
	if len(r.OptOutKinds()) > 0 {
		if err := s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: actor, Action: ActionOptOutDone, Once: ActionOptOutDone,
			Reason: "the opt-outs were carried out in every system concerned and the requester told"}); err != nil {
			return out, err
		}
	}
	if err := s.record(ctx, request.Event{
		RequestID: r.ID, At: s.Now(), Actor: actor, Action: answered, Once: answered,
		Reason: "every system acted: the requester is answered",
		Data: map[string]string{"messageId": id, "systems": strconv.Itoa(done),
			"withheld": strconv.Itoa(len(a.Withheld)), "exported": strconv.Itoa(len(exported)), "link": strconv.FormatBool(a.Link != ""),
			"categoriesOnly": strconv.FormatBool(a.CategoriesOnly), "categoriesOf": strconv.Itoa(len(a.Held))},
	}); err != nil {
		return out, err
	}
	s.Log.InfoContext(ctx, "request answered", "requestId", r.ID, "scope", in.Scope, "systems", done, "withheld", len(a.Withheld), "categoriesOnly", a.CategoriesOnly)
	out.Completed = true
	if optOuts {
		return out, nil // the rest of the request goes on on its own
	}
	s.dropParts(ctx, r.ID, in.Results)
	return out, s.complete(ctx, r)
}

// dropParts deletes the export parts the answer was built from, once the
// requester is answered: the package (or the categories in the answer)
// holds what they are given, and nothing reads the parts again. A part not
// deleted is left to the bucket's lifecycle rule.
func (s *Service) dropParts(ctx context.Context, id string, results []StepResult) {
	for _, res := range results {
		if res.Action != system.Export || (res.Outcome != mail.OutcomeExported && res.Outcome != mail.OutcomeNotFound) {
			continue
		}
		if err := s.Parts.Delete(ctx, id, res.System); err != nil {
			s.Log.WarnContext(ctx, "delete export part", "requestId", id, "system", res.System, "err", err)
		}
	}
}

// reportFailedStage tells the team that a stage of a workflow failed after
// its retries, so the request is not left unseen; the workflow and stage
// are as its Catch names them.
func (s *Service) reportFailedStage(ctx context.Context, r *request.Request, events []request.Event, in AnswerInput) (AnswerOutput, error) {
	stage := cmp.Or(in.Stage, "answer")
	out := AnswerOutput{RequestID: r.ID, NeedsAttention: true, Failed: []string{"workflow/" + stage}}
	workflow := "the " + cmp.Or(in.Workflow, "fulfil") + " workflow"
	item := mail.AttentionItem{System: workflow, Action: stage, Error: in.Failure.Error, Cause: in.Failure.Cause}
	return out, s.tellTeam(ctx, r, events, ActionStageFailed, []mail.AttentionItem{item}, 0)
}

// complete moves the request to completed; already completed is fine.
func (s *Service) complete(ctx context.Context, r *request.Request) error {
	if r.Status == request.Completed {
		return nil
	}
	err := s.Store.SetStatus(ctx, r.ID, r.Status, request.Completed, s.Now())
	if errors.Is(err, request.ErrConflict) {
		cur, gerr := s.load(ctx, r.ID)
		if gerr == nil && cur.Status == request.Completed {
			return nil
		}
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "complete request", "requestId", r.ID, "err", err)
		return &TransientError{RequestID: r.ID, Op: "set status completed", Err: err}
	}
	return s.record(ctx, request.Event{RequestID: r.ID, At: s.Now(), Actor: actor, Action: request.StatusAction(request.Completed),
		Reason: "every system acted and the requester was answered"})
}

// ownerCannot says why an owner cannot do action in sys, from their
// latest answer on the trail, as the owner's own notice does; else cause.
func (s *Service) ownerCannot(events []request.Event, sys string, action system.Action, cause string) string {
	for _, ev := range slices.Backward(events) {
		if ev.Action == ActionTaskAnswered && ev.Data["system"] == sys && ev.Data["action"] == string(action) {
			if ev.Data["answer"] != string(connector.TaskCannot) {
				break
			}
			owner := ""
			if def, ok := s.Registry.Lookup(sys); ok {
				owner = " (" + def.Owner + ")"
			}
			return "the owner" + owner + " cannot do it: " + ev.Data["reason"]
		}
	}
	return cause
}

// tellTeam tells the team, once per action and run of the fulfilment,
// which steps failed: a run the team started again that fails again is
// told again, with its own failures.
func (s *Service) tellTeam(ctx context.Context, r *request.Request, events []request.Event, action string, failed []mail.AttentionItem, done int) error {
	run := ""
	for _, ev := range events {
		if ev.Action == request.ActionFulfilmentRerun && ev.Data["execution"] != "" {
			run = ev.Data["execution"] // the latest: runs go one after another
		}
	}
	if _, ok := hasEvent(events, action, map[string]string{"run": run}); ok {
		return nil
	}
	msg, err := mail.RenderAttention(s.TeamAddress, mail.Attention{RequestID: r.ID, Failed: failed, Done: done})
	if err != nil {
		return fmt.Errorf("render attention notice for %s: %w", r.ID, err)
	}
	messageID, err := s.Mail.Send(ctx, msg)
	if err != nil {
		s.Log.ErrorContext(ctx, "send attention notice", "requestId", r.ID, "err", err)
		return &TransientError{RequestID: r.ID, Op: "send attention notice", Err: err}
	}
	names := make([]string, len(failed))
	for i, f := range failed {
		names[i] = f.System + "/" + f.Action + ": " + f.Error
	}
	s.Log.WarnContext(ctx, "request needs attention", "requestId", r.ID, "failed", len(failed))
	ev := request.Event{
		RequestID: r.ID, At: s.Now(), Actor: actor, Action: action, Once: action,
		Reason: "some systems could not act; the privacy team finishes by hand",
		Data:   map[string]string{"failed": fmt.Sprint(names), "done": strconv.Itoa(done), "messageId": messageID},
	}
	if run != "" {
		ev.Once, ev.Data["run"] = action+"-"+run, run
	}
	return s.record(ctx, ev)
}

// Offerer issues the requester's link to the package: a desk download page
// with a 7-day token, signed into S3 only when pressed; *export.Links
// satisfies it.
type Offerer interface {
	Offer(ctx context.Context, requestID, key string) (export.Link, error)
}

var _ Offerer = (*export.Links)(nil)

// downloadLink issues the requester's link to the package: the desk's
// download page with a new 7-day token (only its hash is stored). A retried
// Answer reaches here again only when the answer mail was not recorded as
// sent: if the send failed, the earlier token was never mailed and nobody
// holds it; if the send worked but recording it failed, the requester gets
// the answer twice, each with its own working link, both in their mailbox.
func (s *Service) downloadLink(ctx context.Context, id, key string) (export.Link, error) {
	if s.Downloads == nil {
		return export.Link{}, fmt.Errorf("request %s: no download links configured for the access package", id)
	}
	link, err := s.Downloads.Offer(ctx, id, key)
	if err != nil {
		s.Log.ErrorContext(ctx, "issue download link", "requestId", id, "err", err)
		return export.Link{}, &TransientError{RequestID: id, Op: "issue download link", Err: err}
	}
	return link, nil
}

// categoriesHeld lists, for each of the systems named (those whose export
// found the person), the categories of data it holds about them, with what
// the registry says of where the data comes from, why it is held and who
// else receives it, in lang. The categories are those the system's export
// returned records in; all it declares when it found the person but
// returned none by category. The records are read here, from the parts,
// and go no further: no package is built and no link issued.
func (s *Service) categoriesHeld(ctx context.Context, id, lang string, systems []string, whole map[string]bool) ([]mail.AnswerHeld, error) {
	var out []mail.AnswerHeld
	for _, name := range systems {
		sys, ok := s.Registry.Lookup(name)
		if !ok {
			continue
		}
		if whole[name] {
			h := s.heldBy(sys, lang, nil)
			h.Unchecked = true
			out = append(out, h)
			continue
		}
		d, err := s.getPart(ctx, id, name)
		if err != nil {
			s.Log.ErrorContext(ctx, "read export part", "requestId", id, "system", name, "err", err)
			return nil, &TransientError{RequestID: id, Op: "read export part", Err: err}
		}
		out = append(out, s.heldBy(sys, lang, func(c string) bool { return len(d.Data[c]) > 0 }))
	}
	return out, nil
}

// heldByErasure says what a system's erasure (of results, a system's
// steps) tells of whether it held the person: OutcomeFound when it found
// them (proven, kept under a hold, or done by hand: an owner or the team
// deleted what they found), "" when it held nothing or no erasure ran, and
// the erasure's outcome when it cannot tell (accepted by a system that
// cannot be asked).
func heldByErasure(results []StepResult) string {
	for _, res := range results {
		if res.Action != system.Erase || res.Failed {
			continue
		}
		switch res.Outcome {
		case mail.OutcomeErased, mail.OutcomeErasedKept, mail.OutcomeWithheld, mail.OutcomeConfirmed, mail.OutcomeErasedByHand, mail.OutcomeErasedByHandKept:
			return mail.OutcomeFound
		case mail.OutcomeNotFound:
			return ""
		case "":
			return "unknown" // no outcome said: it cannot tell
		}
		return res.Outcome
	}
	return ""
}

// heldBy is what sys holds, in lang: the categories in (all it declares
// when in is nil or keeps none), with what the registry says of where
// they come from, why they are held and who else receives them.
func (s *Service) heldBy(sys *system.System, lang string, in func(category string) bool) mail.AnswerHeld {
	var cats []string
	if in != nil {
		for _, c := range sys.Categories {
			if in(c) {
				cats = append(cats, s.Registry.CategoryTitle(c, lang))
			}
		}
	}
	if len(cats) == 0 {
		for _, c := range sys.Categories {
			cats = append(cats, s.Registry.CategoryTitle(c, lang))
		}
	}
	return mail.AnswerHeld{System: sys.TitleIn(lang), Categories: cats,
		Sources: sys.SourcesIn(lang), Purposes: sys.PurposesIn(lang), ThirdParties: sys.ThirdPartiesIn(lang)}
}

// accessPackage builds the package from the parts the export steps wrote,
// once, and returns its object key.
func (s *Service) accessPackage(ctx context.Context, id, lang string, events []request.Event, results []StepResult) (string, error) {
	if ev, ok := hasEvent(events, ActionPackageWritten, nil); ok && ev.Data["key"] != "" {
		return ev.Data["key"], nil
	}
	p := export.Package{RequestID: id, GeneratedAt: s.Now(), Language: lang}
	for i := range s.Registry.Systems {
		name := s.Registry.Systems[i].Name
		if sentApart(events, name) && slices.ContainsFunc(results, func(res StepResult) bool {
			return res.System == name && res.Action == system.Export && res.Outcome == mail.OutcomeConfirmed && res.Found
		}) {
			// Copied by hand, and sent apart (the console asks the team
			// to say so): the summary says where it went.
			p.SentApart = append(p.SentApart, name)
			continue
		}
		j := slices.IndexFunc(results, func(res StepResult) bool {
			return res.System == name && res.Action == system.Export && (res.Outcome == mail.OutcomeExported || res.Outcome == mail.OutcomeNotFound)
		})
		if j < 0 {
			continue
		}
		if res := results[j]; res.Outcome == mail.OutcomeNotFound && res.ConfirmedAt != "" && !res.Found {
			// The team found by hand that it holds nothing: no part was
			// written, and the package says it held nothing.
			p.Systems = append(p.Systems, export.SystemData{System: name, Found: false, At: s.Now(), Data: map[string][]json.RawMessage{}})
			continue
		}
		d, err := s.getPart(ctx, id, name)
		if err != nil {
			s.Log.ErrorContext(ctx, "read export part", "requestId", id, "system", name, "err", err)
			return "", &TransientError{RequestID: id, Op: "read export part", Err: err}
		}
		p.Systems = append(p.Systems, d)
	}
	link, err := s.Packages.Package(ctx, s.Registry, p)
	if err != nil {
		s.Log.ErrorContext(ctx, "write access package", "requestId", id, "err", err)
		return "", &TransientError{RequestID: id, Op: "write access package", Err: err}
	}
	if err := s.record(ctx, request.Event{
		RequestID: id, At: s.Now(), Actor: actor, Action: ActionPackageWritten, Once: ActionPackageWritten,
		Data: map[string]string{"bucket": link.Bucket, "key": link.Key, "systems": strconv.Itoa(len(p.Systems))},
	}); err != nil {
		return "", err
	}
	return link.Key, nil
}

// ownerResultList reads the owners' branch of the workflow: the list the
// task page completed the wait with, or a single caught failure
// ({failed: true, error}) when the loop itself failed.
type ownerResultList []StepResult

func (l *ownerResultList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one StepResult
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		if one.System == "" {
			one.System = "owners' tasks"
		}
		*l = ownerResultList{one}
		return nil
	}
	var many []StepResult
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// keptBy is what erase result res of sys kept under its legal holds: the
// categories its step withheld (none where the system did not hold the
// person), or, for an owner's task done by hand, every hold of the system,
// as the task told the owner to keep them (none for "holds nothing").
func keptBy(sys *system.System, res StepResult) []system.Hold {
	if res.ConfirmedAt != "" {
		if !res.Found {
			return nil
		}
		return sys.Holds
	}
	var kept []system.Hold
	for _, h := range sys.Holds {
		if slices.Contains(res.Withheld, h.Category) {
			kept = append(kept, h)
		}
	}
	return kept
}

// sentApart reports whether the trail has the team's word that it sent
// the requester the copy of system it made by hand (the console's Finish
// a step by hand asks it of an export of a request for a copy).
func sentApart(events []request.Event, system string) bool {
	return slices.ContainsFunc(events, func(e request.Event) bool {
		return e.Action == request.ActionStepDone && e.Data["system"] == system && e.Data["action"] == "export" && e.Data["copySent"] == "true"
	})
}
