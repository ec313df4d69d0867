package platform

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/productionflow/privacy-desk/shared/dynamo"
	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/token"
	"github.com/productionflow/privacy-desk/shared/webform"
)

// DownloadConfig configures the access package download page of the web
// intake function.
type DownloadConfig struct {
	Bucket string // EXPORT_BUCKET: where the packages are; no page without it
	Prefix string // EXPORT_PREFIX, default "exports/": only keys under it are served
	// PathStyle addresses S3 by path (S3_FORCE_PATH_STYLE=true, as for the
	// email intake), for the local stack's S3 stand-in.
	PathStyle bool
}

// LoadDownloadConfig reads DownloadConfig from getenv.
func LoadDownloadConfig(getenv func(string) string) DownloadConfig {
	c := DownloadConfig{
		Bucket:    strings.TrimSpace(getenv("EXPORT_BUCKET")),
		Prefix:    strings.TrimSpace(getenv("EXPORT_PREFIX")),
		PathStyle: strings.TrimSpace(getenv("S3_FORCE_PATH_STYLE")) == "true",
	}
	if c.Prefix == "" {
		c.Prefix = "exports/"
	}
	return c
}

// WebDownloads builds the download page's service from the environment, or
// nil (no page) when EXPORT_BUCKET is not set. Each press of the page's
// button signs a 10-minute S3 link with the function's current credentials.
func WebDownloads(getenv func(string) string, awsCfg aws.Config, table string, opts ...Option) webform.Downloader {
	cfg := LoadDownloadConfig(getenv)
	if cfg.Bucket == "" {
		return nil
	}
	o := buildOptions(opts)
	s3c := s3.NewFromConfig(awsCfg, func(so *s3.Options) { so.UsePathStyle = cfg.PathStyle })
	ddb := dynamodb.NewFromConfig(awsCfg)
	return &export.Downloads{
		Tokens:   &dynamo.Tokens{API: ddb, Table: table},
		Presign:  export.NewPresignClient(s3c, o.now),
		Bucket:   cfg.Bucket,
		Prefix:   cfg.Prefix,
		Now:      o.now,
		Grace:    export.DownloadGrace,
		Requests: &dynamo.Store{API: ddb, Table: table},
	}
}

// DownloadLinks issues the answer mail's download links to pageURL, the
// web intake's /download page (DOWNLOAD_URL, like TASK_CONFIRM_URL). The
// fulfil service's Downloads field takes it.
func DownloadLinks(api dynamo.API, table, pageURL string, now func() time.Time) *export.Links {
	return &export.Links{
		Tokens:  &dynamo.Tokens{API: api, Table: table},
		Issuer:  &token.Issuer{Now: now},
		PageURL: pageURL,
	}
}
