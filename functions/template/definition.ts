import { defineFunction } from '#shared/functions/definition';

export default defineFunction({
  name: 'template',
  description: 'The smallest handler; `nsq-lambda new <name>` copies this folder.',
  subscriptions: [{ topic: 'template', channel: 'template' }],
});
