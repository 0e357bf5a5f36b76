/** The interruption controller and its SQS port (re-exports only). */
export * from './interruption-controller';
export * from './sqs-api';
