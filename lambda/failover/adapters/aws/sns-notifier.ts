/** Notifier on SNS: one Publish per notice, subject and body from core/notice-text. */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { NoticeText } from '../../core/notice-text';
import type { Notifier } from '../../ports';

export function createControllerSnsClient(options: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): SNSClient {
  return new SNSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    retryMode: 'standard',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
  });
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(text: NoticeText): Promise<void> {
    await this.sns.send(new PublishCommand({ TopicArn: this.topicArn, Subject: text.subject, Message: text.body }));
  }
}
