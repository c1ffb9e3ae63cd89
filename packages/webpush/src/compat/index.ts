/** `@wp/webpush/compat`: the npm `web-push` 3.6.7 API as a drop-in. */
export {}
