package dynamo_test

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

type typesAV = types.AttributeValue

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
