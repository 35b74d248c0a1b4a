import { defineFunction } from '#shared/functions/definition';

export default defineFunction({
  name: 'template-edge',
  target: 'edge',
  description: 'The template on an edge runtime; `nsq-lambda new handler <name> --edge` copies it.',
  subscriptions: [{ topic: 'template-edge', channel: 'template-edge' }],
});
