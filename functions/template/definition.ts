import { defineFunction } from '#shared/functions/definition';

export default defineFunction({
  name: 'template',
  description: 'The smallest handler; `nsq-lambda new handler <name>` copies it.',
  subscriptions: [{ topic: 'template', channel: 'template' }],
});
