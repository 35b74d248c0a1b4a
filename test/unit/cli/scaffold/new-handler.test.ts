import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planNewHandler, tsString } from '#cli/scaffold/new-handler';

function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'scaffold-'));
  mkdirSync(join(root, 'functions', 'template'), { recursive: true });
  writeFileSync(join(root, 'functions', 'template', 'definition.ts'), 'export default {};\n');
  writeFileSync(
    join(root, 'functions', 'template', 'handler.ts'),
    "const s = 'template'; // templates stay\n",
  );
  return root;
}

describe('planNewHandler', () => {
  it('copies the template files with the name substituted as a whole word, and writes a fresh definition', () => {
    const files = planNewHandler({ root: project(), name: 'resize', description: "it's new" });
    expect(files.map((f) => f.path)).toEqual([
      'functions/resize/handler.ts',
      'functions/resize/definition.ts',
    ]);
    expect(files[0]?.content).toBe("const s = 'resize'; // templates stay\n");
    expect(files[1]?.content).toContain("description: 'it\\'s new',");
    expect(files[1]?.content).toContain("subscriptions: [{ topic: 'resize', channel: 'resize' }],");
  });

  it('refuses a bad name, a bad topic and a missing template', () => {
    const root = project();
    expect(() => planNewHandler({ root, name: '9lives' })).toThrow(/handler name "9lives"/);
    expect(() => planNewHandler({ root, name: 'ok', channel: 'a b' })).toThrow(/--channel "a b"/);
    expect(() => planNewHandler({ root: mkdtempSync(join(tmpdir(), 'empty-')), name: 'ok' })).toThrow(
      /no template/,
    );
  });

  it('quotes strings in the project style', () => {
    expect(tsString("a'b\\c\nd")).toBe("'a\\'b\\\\c\\nd'");
  });
});

describe('planNewHandler --edge', () => {
  it('copies functions/template-edge and its test with the name substituted, and writes target edge', () => {
    // Prepare
    const root = project();
    mkdirSync(join(root, 'functions', 'template-edge'));
    writeFileSync(join(root, 'functions', 'template-edge', 'definition.ts'), 'export default {};\n');
    writeFileSync(
      join(root, 'functions', 'template-edge', 'handler.ts'),
      "toggle({ functionName: 'template-edge' }); // the template stays\n",
    );
    mkdirSync(join(root, 'test', 'integration', 'functions'), { recursive: true });
    writeFileSync(
      join(root, 'test', 'integration', 'functions', 'template-edge.test.ts'),
      "import('#functions/template-edge/handler');\n",
    );

    // Act
    const files = planNewHandler({ root, name: 'geo', edge: true });

    // Assess
    expect(files.map((f) => f.path)).toEqual([
      'functions/geo/handler.ts',
      'functions/geo/definition.ts',
      'test/integration/functions/geo.test.ts',
    ]);
    expect(files[0]?.content).toBe("toggle({ functionName: 'geo' }); // the template stays\n");
    expect(files[1]?.content).toContain("name: 'geo',\n  target: 'edge',\n");
    expect(files[2]?.content).toBe("import('#functions/geo/handler');\n");
    expect(() => planNewHandler({ root, name: 'template-edge', edge: true })).toThrow(/a template itself/);
  });
});
