/** The google.pubsub.v1 messages as @grpc/proto-loader hands them over — only the fields the embedded emulator uses. */
export interface Duration {
  seconds?: string | number;
  nanos?: number;
}

export interface Timestamp {
  seconds?: string | number;
  nanos?: number;
}

export interface PubsubMessage {
  data?: Buffer | Uint8Array;
  attributes?: Record<string, string>;
  messageId?: string;
  publishTime?: Timestamp;
  orderingKey?: string;
}

export interface Topic {
  name?: string;
  labels?: Record<string, string>;
  messageRetentionDuration?: Duration;
  [field: string]: unknown;
}

export interface PushConfig {
  pushEndpoint?: string;
  attributes?: Record<string, string>;
  oidcToken?: { serviceAccountEmail?: string; audience?: string };
  noWrapper?: { writeMetadata?: boolean };
  pubsubWrapper?: Record<string, never>;
}

export interface RetryPolicy {
  minimumBackoff?: Duration;
  maximumBackoff?: Duration;
}

export interface DeadLetterPolicy {
  deadLetterTopic?: string;
  maxDeliveryAttempts?: number;
}

export interface Subscription {
  name?: string;
  topic?: string;
  pushConfig?: PushConfig;
  ackDeadlineSeconds?: number;
  retainAckedMessages?: boolean;
  messageRetentionDuration?: Duration;
  labels?: Record<string, string>;
  enableMessageOrdering?: boolean;
  filter?: string;
  deadLetterPolicy?: DeadLetterPolicy | null;
  retryPolicy?: RetryPolicy | null;
  detached?: boolean;
  enableExactlyOnceDelivery?: boolean;
  [field: string]: unknown;
}

export interface ReceivedMessage {
  ackId: string;
  message: PubsubMessage;
  deliveryAttempt?: number;
}
