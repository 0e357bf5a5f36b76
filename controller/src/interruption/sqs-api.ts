/**
 * The SQS calls the interruption controller makes, as a narrow interface (SDK v3 shapes without `$metadata`), and the
 * adapter over the SDK client. Tests fake it with a plain object or mock the client with `aws-sdk-client-mock`.
 */
import * as sqs from '@aws-sdk/client-sqs';
import { Out } from '../aws/api';

export interface SqsCallOptions {
  /** Aborts an in-flight long poll (shutdown, lost leadership). */
  readonly abortSignal?: AbortSignal;
}

export interface SqsApi {
  getQueueUrl(input: sqs.GetQueueUrlCommandInput): Promise<Out<sqs.GetQueueUrlCommandOutput>>;
  receiveMessage(input: sqs.ReceiveMessageCommandInput, options?: SqsCallOptions): Promise<Out<sqs.ReceiveMessageCommandOutput>>;
  deleteMessage(input: sqs.DeleteMessageCommandInput): Promise<Out<sqs.DeleteMessageCommandOutput>>;
}

export function sqsApi(client: sqs.SQSClient): SqsApi {
  return {
    getQueueUrl: (i) => client.send(new sqs.GetQueueUrlCommand(i)),
    receiveMessage: (i, o) => client.send(new sqs.ReceiveMessageCommand(i), o?.abortSignal ? { abortSignal: o.abortSignal } : undefined),
    deleteMessage: (i) => client.send(new sqs.DeleteMessageCommand(i)),
  };
}

/** A real SQS client for a region, behind the narrow interface. */
export function sdkSqsApi(region: string): SqsApi {
  return sqsApi(new sqs.SQSClient({ region }));
}
