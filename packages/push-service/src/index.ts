export { WebPushError, type WebPushErrorCode } from '@wp/ece'
export { type SelfSignedCertificate, selfSignedCertificate } from './cert.js'
export { startPushService } from './service.js'
export type {
  AckRecord,
  FaultRule,
  PushService,
  PushServiceLimits,
  PushServiceOptions,
  ReceivedPush,
  TestSubscriber,
} from './types.js'
