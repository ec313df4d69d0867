package request

// The audit trail's vocabulary: every Event.Action the desk writes, in one
// place. A regulator reads these words; docs/audit-trail.md explains each.
// Packages refer to them by these names, never by literals.
const (
	// Intake.
	ActionCreated               = "created"                   // the request was stored (data "declaration": "signed" when the form's declaration was ticked)
	ActionDeclarationSigned     = "declaration-signed"        // the requester declared under penalty of perjury on the confirmation page that they are the person (or their agent)
	ActionAcknowledged          = "acknowledged"              // the acknowledgement went out
	ActionAcknowledgedClarified = "acknowledged-as-clarified" // acknowledged once a reply said what the person wants
	ActionTeamNotified          = "team-notified"             // the team was told of the new request
	ActionTeamNoticeFailed      = "team-notice-failed"        // the team could not be told; the request stands
	ActionMailReceived          = "mail-received"             // the request came by mail (data: SES message ID)
	ActionNeedsTriage           = "needs-triage"              // the mail did not say what the person wants
	ActionAgentConsumerUnknown  = "agent-consumer-unknown"    // an agent wrote without naming the consumer: the team names them (needs attention)
	ActionConsumerNamed         = "consumer-named"            // the team named an agent's consumer, who is then asked to confirm
	ActionReplyReceived         = "reply-received"            // a reply to desk mail joined the request
	ActionTeamNotifiedOfReply   = "team-notified-of-reply"    // the team was told of that reply
	ActionKindsSet              = "kinds-set"                 // a reply said what the person wants
	ActionVerificationSent      = "verification-sent"         // the verification link went out
	ActionVerified              = "verified"                  // the requester proved control of the address
	ActionUnverifiedNoticeSent  = "unverified-notice-sent"    // the requester was told the request closed unverified
	ActionFulfilmentStarted     = "fulfilment-started"        // the fulfil workflow was started
	ActionOptOutsStarted        = "opt-outs-started"          // the opt-outs' own fulfilment was started
	ActionStepDone              = "fulfilment-step"           // one system's action was done (data: system, action, outcome)
	ActionStepFailed            = "fulfilment-step-failed"    // one attempt of a step failed (data: system, action, error, attempt, retry)
	ActionErasureProof          = "erasure-proof"             // after an erase, the system no longer finds the person
	ActionErasureWithheld       = "erasure-withheld"          // a category kept under a legal hold (data: law, until)
	ActionTaskCreated           = "manual-task-created"       // an owner's task was created
	ActionTaskMailed            = "manual-task-mailed"        // the owner was mailed the task
	ActionTaskReminded          = "manual-task-reminded"      // the owner was reminded
	ActionTaskOverdue           = "manual-task-overdue"       // the task passed its due time; the team was told
	ActionTaskReopened          = "manual-task-reopened"      // a task its owner could not do was opened again by the team's re-run of the fulfilment
	ActionTaskConfirmed         = "manual-task-confirmed"     // the owner answered the task
	ActionPackageWritten        = "access-package-written"    // the access package was stored
	ActionPackageDownloaded     = "access-package-downloaded" // the requester's link first opened the download
	ActionNeedsAttention        = "needs-attention"           // a step failed; the team was told
	ActionStageFailed           = "fulfilment-failed"         // a workflow stage failed after its retries; the team was told
	ActionAnswered              = "answered"                  // the answer went to the requester
	ActionOptOutDone            = "opt-out:done"              // the opt-outs were done and the requester told
	ActionReminderSent          = "reminder-sent"             // a deadline reminder went to the team
	ActionReminderSkipped       = "reminder-skipped"          // a reminder not sent: its deadline had passed when the sweep reached it (the missed notice covers it)
	ActionDeadlineMissed        = "deadline-missed"           // a legal deadline passed with the request open
	ActionDuplicateSubmission   = "duplicate-submission"      // the same address asked the same again while unverified: nothing new opened (data: resent)
	ActionAcknowledgementCapped = "acknowledgement-capped"    // the address had its automatic mails for the day: no acknowledgement sent
	statusActionPrefix          = "status:"

	// What SES said became of a desk mail about the request (actor
	// "system:mail-events"; data: messageId, mail — the action that
	// recorded the mail, to — whom it went to, and SES's bounce or
	// complaint type; never an address).
	ActionMailBounced          = "mail-bounced"          // a mail bounced: transient or undetermined, or not to the requester
	ActionRequesterUnreachable = "requester-unreachable" // a mail to the requester bounced permanently; the team must reach them another way
	ActionMailComplaint        = "mail-complaint"        // the recipient marked a mail as spam

	// The team, in the console (actor "team:<username>"); the status moves
	// are StatusAction's.
	ActionExtensionNoticeSent = "extension-notice-sent" // the requester was told of the extension, its reason and the new date
	ActionDenialNoticeSent    = "denial-notice-sent"    // the requester was told of the denial and its reasons
	ActionFulfilmentRerun     = "fulfilment-rerun"      // the team started the fulfil workflow again after it failed (data: execution, run)
	ActionMarkedDuplicate     = "marked-duplicate"      // the team found the request repeats another (data: of)
	ActionCorrectionWritten   = "correction-written"    // the team wrote a correction's item from the person's words, for the systems (no personal data in the event)
	ActionNote                = "note"                  // the team's note on the request
	ActionStatusLinksRevoked  = "status-links-revoked"  // the team stopped every status-page link issued so far
)

// OutcomeByHand is a fulfilment-step's outcome when the team did the step
// by hand.
const OutcomeByHand = "done-by-hand"

// NeedsAttention reports whether an event with action puts its open request
// on the team's "needs attention" list: a step or a workflow stage failed
// after its retries, and the team must finish by hand; the requester's
// address bounced permanently, and the desk cannot reach the requester; or
// an authorized agent wrote without naming the consumer, whom the team
// must name before anything is verified or done.
func NeedsAttention(action string) bool {
	return action == ActionNeedsAttention || action == ActionStageFailed || action == ActionRequesterUnreachable ||
		action == ActionAgentConsumerUnknown
}

// StepFailed reports whether the attention mark action (Request.Attention)
// says a step or a workflow stage failed, which the team may finish by
// hand or run again; a mark for an unreachable requester is not one.
func StepFailed(action string) bool {
	return action == ActionNeedsAttention || action == ActionStageFailed
}

// StatusAction is the action recorded when a request moves to status s
// ("status:in-progress", "status:completed"...).
func StatusAction(s Status) string { return statusActionPrefix + string(s) }

// TransientError is a failure worth retrying: the store, the mail service,
// S3 or Step Functions did not answer as they should. Services return it
// unwrapped, so Lambda names it "TransientError", the one error name the
// workflows' Retry matches. Its message names the request and what failed,
// never the cause's text (which may quote data): the cause is for
// errors.Is/As and the function's own log.
type TransientError struct {
	RequestID string // may be empty
	Op        string // what failed, e.g. "send answer"
	Err       error
}

func (e *TransientError) Error() string {
	if e.RequestID == "" {
		return "transient: " + e.Op + " failed"
	}
	return "transient: request " + e.RequestID + ": " + e.Op + " failed"
}

// Unwrap gives the cause to errors.Is and errors.As.
func (e *TransientError) Unwrap() error { return e.Err }

// A withdrawal (the team in the console, or the requester on the status
// page; the status move is StatusAction(Withdrawn)).
const (
	// ActionWithdrawalNoticeSent: the requester was mailed that the request
	// is withdrawn and what of it stands (data: messageId).
	ActionWithdrawalNoticeSent = "withdrawal-notice-sent"
)
