/** @wp/demo: the demo site of the @wp packages, as an app factory (`createDemo`) and its settings. */
export { createApp } from './app.js'
export { DEFAULTS, type DemoConfig, loadConfig, type PushServiceMode, resolveConfig } from './config.js'
export { type DeliveryRow, openStore, type Store, type StoredSubscription, type SubscriptionRow } from './db.js'
export { createDemo, type Demo, type DemoOptions } from './demo.js'
