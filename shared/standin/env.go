package standin

// PrivacyAddress is the local desk's privacy address: the Reply-To of its
// mail and the address the local SMTP stand-in accepts mail for.
const PrivacyAddress = "privacy@productionflow.local"

// DeskEnv is the local configuration of the desk: the variables its
// functions read on AWS, with local values — the table, the addresses, the
// business time zone, the export bucket (fulfilment) and the inbound
// bucket (the email intake). The local stack, its tests, make invoke and
// the cost report all use it. It is a new map on each call.
func DeskEnv() map[string]string {
	return map[string]string{
		"TABLE_NAME":         "privacy-desk",
		"SENDER_ADDRESS":     "privacy-desk@productionflow.local",
		"TEAM_ADDRESS":       "privacy@productionflow.local",
		"REPLY_TO_ADDRESS":   PrivacyAddress,
		"BUSINESS_TIME_ZONE": "America/New_York",

		// Fulfilment: access packages go to a bucket of the in-process S3.
		"EXPORT_BUCKET":     "privacy-desk-exports",
		"EXPORT_KMS_KEY_ID": "alias/privacy-desk-local",

		// The email intake: where the SMTP stand-in stores received mail.
		"INBOUND_BUCKET": "privacy-desk-inbound",
		"INBOUND_PREFIX": "inbound/",
		"OUR_ADDRESSES":  PrivacyAddress,
		// The S3 endpoint is an IP address (path style anyway); set for
		// sam local invoke, which reaches the stack through a host name.
		"S3_FORCE_PATH_STYLE": "true",

		// The web intake's key that signs the form's submission IDs: a
		// secret of the secrets stand-in, made at each start (stack.Start).
		"SUBMISSION_KEY_SECRET": SubmissionKeySecret,
	}
}

// SubmissionKeySecret names the secret holding the key that signs the
// form's submission IDs on the local stack.
const SubmissionKeySecret = "privacy-desk/submission-key"

// SiteEnv is the configuration of the links the desk's mail and pages
// carry, under the web form's address formURL (ending in "/"). A new map
// on each call.
func SiteEnv(formURL string) map[string]string {
	return map[string]string{
		"FORM_URL":         formURL,
		"TASK_CONFIRM_URL": formURL + "tasks/confirm",
		"DOWNLOAD_URL":     formURL + "download",
		"STATUS_URL":       formURL + "status",
	}
}

// AWSEnv is what the SDK reads to reach stand-ins instead of AWS: a fixed
// region, placeholder credentials (as Config), and endpoints, given by
// service as in AWS_ENDPOINT_URL_<SERVICE> (e.g. "DYNAMODB"). A new map on
// each call.
func AWSEnv(endpoints map[string]string) map[string]string {
	env := map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
	}
	for service, url := range endpoints {
		env["AWS_ENDPOINT_URL_"+service] = url
	}
	return env
}
