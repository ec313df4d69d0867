package main

import (
	"net"
	"net/http"
	"strings"
)

// benchKey is the submission key the backend serves: long enough for the
// form's signer (webform.MinSubmissionKey).
var benchKey = strings.Repeat("cold-start-report-key-", 4)

// backend answers, on one loopback port, the AWS calls a function would
// make to be built — the web intake's submission key (SSM or Secrets
// Manager), the console's app client (Cognito); both are now made by their
// first request (setup.Later), not at init, but a function that makes one
// at init again still runs its init to its end as on AWS. Every other call is refused: invocations have no backend, and only
// init is measured. Every function and floor is pointed at it through
// AWS_ENDPOINT_URL.
func backend() (url string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSSM.GetParameter":
			_, _ = w.Write([]byte(`{"Parameter":{"Name":"/desk/submission-key","Type":"SecureString","Value":"` + benchKey + `"}}`))
		case "secretsmanager.GetSecretValue":
			_, _ = w.Write([]byte(`{"Name":"desk","SecretString":"` + benchKey + `"}`))
		case "AWSCognitoIdentityProviderService.ListUserPoolClients":
			_, _ = w.Write([]byte(`{"UserPoolClients":[{"ClientId":"cold-start-client","ClientName":"console","UserPoolId":"us-east-1_cold"}]}`))
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"UnknownOperationException","message":"the cold-start report serves only init's calls"}`))
		}
	})}
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), func() { _ = srv.Close() }, nil
}

// environment is what each function and floor starts with: dummy
// credentials and region, every AWS endpoint on backend, no CA bundle and
// nothing else of this shell's AWS settings, and the desk's configuration
// as the template gives it (with made-up names), so that every function's
// init succeeds.
func environment(path, home, backendURL, function string) []string {
	return []string{
		"PATH=" + path,
		"HOME=" + home,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDCOLDSTART",
		"AWS_SECRET_ACCESS_KEY=cold-start-report",
		"AWS_ENDPOINT_URL=" + backendURL,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_LAMBDA_FUNCTION_NAME=" + function,
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		"TABLE_NAME=privacy-desk",
		"SENDER_ADDRESS=privacy@example.com",
		"TEAM_ADDRESS=privacy-team@example.com",
		"REPLY_TO_ADDRESS=privacy@example.com",
		"SES_CONFIGURATION_SET=privacy-desk",
		"METRICS_NAMESPACE=PrivacyDesk",
		"FORM_URL=https://privacy.example.com/",
		"STATUS_URL=https://privacy.example.com/status",
		"VERIFY_LINK_BASE=https://privacy.example.com/verify",
		"REQUEST_WORKFLOW_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:request",
		"FULFIL_WORKFLOW_ARN=arn:aws:states:us-east-1:123456789012:stateMachine:fulfil",
		"INBOUND_BUCKET=privacy-desk-inbound",
		"EXPORT_BUCKET=privacy-desk-exports",
		"EXPORT_KMS_KEY_ID=alias/privacy-desk-exports",
		"TASK_CONFIRM_URL=https://privacy.example.com/tasks/confirm",
		"DOWNLOAD_URL=https://privacy.example.com/download",
		"SUBMISSION_KEY_PARAMETER=/desk/submission-key",
		"USER_POOL_ID=us-east-1_cold",
		"USER_POOL_SIGN_IN_URL=https://auth.example.com",
		"USER_POOL_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_cold",
		"CONSOLE_URL=https://privacy.example.com/console/",
	}
}
