package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// alarmWatch is what one alarm of the template watches: each metric's
// namespace, name and dimension values (the logical IDs its !Ref and
// !GetAtt name), and where it sends its notice.
type alarmWatch struct {
	name    string
	metrics map[string][]string // "AWS/States ExecutionsFailed" → dimension values
	actions []string
}

func alarms(tm *template) []alarmWatch {
	var out []alarmWatch
	for name, r := range tm.Resources {
		if r["Type"] != "AWS::CloudWatch::Alarm" {
			continue
		}
		p, _ := r["Properties"].(map[string]any)
		a := alarmWatch{name: name, metrics: map[string][]string{}}
		for _, act := range asList(p["AlarmActions"]) {
			a.actions = append(a.actions, toString(act))
		}
		add := func(m map[string]any) {
			key := toString(m["Namespace"]) + " " + toString(m["MetricName"])
			a.metrics[key] = append(a.metrics[key], dimensionValues(m["Dimensions"])...)
		}
		if _, ok := p["MetricName"]; ok {
			add(p)
		}
		for _, q := range asList(p["Metrics"]) {
			qm, _ := q.(map[string]any)
			stat, _ := qm["MetricStat"].(map[string]any)
			if m, ok := stat["Metric"].(map[string]any); ok {
				add(m)
			}
		}
		out = append(out, a)
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

func dimensionValues(v any) []string {
	var vals []string
	for _, d := range asList(v) {
		dm, _ := d.(map[string]any)
		vals = append(vals, toString(dm["Value"]))
	}
	return vals
}

// watched tells whether some alarm watches every one of metrics (namespace
// and name) with the dimension value target.
func watched(all []alarmWatch, target string, metrics ...string) bool {
	for _, a := range all {
		ok := true
		for _, m := range metrics {
			ok = ok && slices.Contains(a.metrics[m], target)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestTemplateAlarms: on AWS the team hears of every failed, timed-out or
// aborted execution of each workflow, of server errors of each HTTP API,
// of mail the email intake gave up on,
// of a missed deadline and of SES bounce and complaint rates, because an
// alarm watches each and every alarm notifies the operations topic, which
// mails the address the stack is given.
func TestTemplateAlarms(t *testing.T) {
	tm := loadTemplate(t)
	all := alarms(tm)
	require.NotEmpty(t, all, "the template declares alarms")

	for name, r := range tm.Resources {
		switch r["Type"] {
		case "AWS::Serverless::StateMachine":
			assert.True(t, watched(all, name, "AWS/States ExecutionsFailed", "AWS/States ExecutionsTimedOut", "AWS/States ExecutionsAborted"),
				"an alarm watches failed, timed-out and aborted executions of %s", name)
		case "AWS::SQS::Queue":
			assert.True(t, watched(all, name+".QueueName", "AWS/SQS ApproximateNumberOfMessagesVisible"),
				"an alarm watches the depth of the queue %s", name)
		case "AWS::Serverless::Function":
			assert.True(t, watched(all, name, "AWS/Lambda Errors", "AWS/Lambda Throttles"),
				"an alarm watches the errors and throttles of %s", name)
		case "AWS::Serverless::HttpApi":
			// A 503 a function answers (the console before Cognito
			// answers) is no Lambda error: the API's 5xx count sees it.
			assert.True(t, watched(all, name, "AWS/ApiGateway 5xx"), "an alarm watches the server errors of %s", name)
		}
	}
	for _, m := range []string{"AWS/SES Reputation.BounceRate", "AWS/SES Reputation.ComplaintRate"} {
		found := false
		for _, a := range all {
			_, ok := a.metrics[m]
			found = found || ok
		}
		assert.True(t, found, "an alarm watches %s", m)
	}
	missed := false
	for _, a := range all {
		for m := range a.metrics {
			missed = missed || strings.HasSuffix(m, " DeadlinesMissed")
		}
	}
	assert.True(t, missed, "an alarm watches the deadline reminder's DeadlinesMissed metric")

	for _, a := range all {
		assert.Equal(t, []string{"OperationsTopic"}, a.actions, "alarm %s notifies the operations topic", a.name)
	}
	require.Equal(t, "AWS::SNS::Topic", tm.Resources["OperationsTopic"]["Type"])
	sub := tm.props(t, "OperationsSubscription")
	assert.Equal(t, "OperationsTopic", sub["TopicArn"])
	assert.Equal(t, "email", sub["Protocol"])
	assert.Equal(t, "AlarmAddress", sub["Endpoint"])
	assert.True(t, tm.Params["AlarmAddress"])
}

// TestTemplateMailUsesTheConfigurationSet: every function sends with the
// desk's SES configuration set (bounce and complaint events), so each one
// allowed to send mail is allowed to use the set too; without it SES
// refuses the send on AWS.
func TestTemplateMailUsesTheConfigurationSet(t *testing.T) {
	tm := loadTemplate(t)
	require.Equal(t, "AWS::SES::ConfigurationSet", tm.Resources["MailConfigurationSet"]["Type"])
	dest := tm.props(t, "MailEventsMetrics")
	assert.Equal(t, "MailConfigurationSet", dest["ConfigurationSetName"])
	ed, _ := dest["EventDestination"].(map[string]any)
	assert.Subset(t, asList(ed["MatchingEventTypes"]), []any{"bounce", "complaint"})

	for name, r := range tm.Resources {
		if r["Type"] != "AWS::Serverless::Function" {
			continue
		}
		for _, st := range tm.statements(t, name) {
			if toString(st["Action"]) != "ses:SendEmail" && !strings.Contains(toString(st["Action"]), "ses:SendEmail ") {
				continue
			}
			assert.Contains(t, toString(st["Resource"]), ":configuration-set/${MailConfigurationSet}",
				"%s may send with the configuration set", name)
		}
	}
}
