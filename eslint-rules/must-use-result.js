// A local rule, because no published one reads a project's own JSDoc tag through the type checker:
// typescript-eslint's no-floating-promises covers promises only, and a claim that returned no rows is a
// plain array. Tag a function or method `@mustUse <why>` and a call whose result is thrown away is reported.
import ts from 'typescript';

const TAG = 'mustUse';

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: {
      description: 'Forbid ignoring the result of a function or method whose declaration is tagged @mustUse (claims, journal writes).',
    },
    messages: {
      ignored: '{{name}}() is marked @mustUse ({{why}}): use its result.',
      voided: "{{name}}() is marked @mustUse ({{why}}): 'void' does not make ignoring it safe. Use its result, or disable this line with a reason after '--'.",
    },
    schema: [],
  },

  create(context) {
    const services = context.sourceCode.parserServices;
    if (!services?.program) {
      throw new Error('must-use-result needs type information: lint with parserOptions.projectService (typescript-eslint)');
    }
    const checker = services.program.getTypeChecker();

    /** The `@mustUse` reason of the function a call resolves to: '' when the tag gives none, undefined when untagged. */
    function mustUseReason(tsCall) {
      const declarations = new Set();
      const signatureDeclaration = checker.getResolvedSignature(tsCall)?.getDeclaration();
      if (signatureDeclaration) declarations.add(signatureDeclaration);
      // Overloads and callees whose signature has no declaration of its own: every declaration of the symbol counts.
      const callee = ts.isPropertyAccessExpression(tsCall.expression) ? tsCall.expression.name : tsCall.expression;
      let symbol = checker.getSymbolAtLocation(callee);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const declaration of symbol?.declarations ?? []) declarations.add(declaration);
      for (const declaration of declarations) {
        const tag = ts.getJSDocTags(declaration).find((candidate) => candidate.tagName.text === TAG);
        if (tag) return ts.getTextOfJSDocComment(tag.comment)?.trim() ?? '';
      }
      return undefined;
    }

    function calleeName(call) {
      const callee = call.callee;
      if (callee.type === 'Identifier') return callee.name;
      if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') return callee.property.name;
      return context.sourceCode.getText(callee);
    }

    function check(call, voided) {
      const why = mustUseReason(services.esTreeNodeToTSNodeMap.get(call));
      if (why === undefined) return;
      context.report({
        node: call,
        messageId: voided ? 'voided' : 'ignored',
        data: { name: calleeName(call), why: why || 'its result is the proof the write happened' },
      });
    }

    /** Walks an expression whose value is thrown away, down to the calls whose results go with it. */
    function discarded(node, voided) {
      switch (node.type) {
        case 'CallExpression':
          check(node, voided);
          // `claim().catch(log)` and `claim().finally(done)` pass the claim's value through, so it is discarded too.
          if (
            node.callee.type === 'MemberExpression' &&
            !node.callee.computed &&
            node.callee.property.type === 'Identifier' &&
            (node.callee.property.name === 'catch' || node.callee.property.name === 'finally')
          ) {
            discarded(node.callee.object, voided);
          }
          return;
        case 'AwaitExpression':
        case 'TSNonNullExpression':
        case 'TSAsExpression':
        case 'TSSatisfiesExpression':
        case 'TSTypeAssertion':
          discarded(node.type === 'AwaitExpression' ? node.argument : node.expression, voided);
          return;
        case 'ChainExpression':
          discarded(node.expression, voided);
          return;
        case 'UnaryExpression':
          if (node.operator === 'void') discarded(node.argument, true);
          return;
        case 'SequenceExpression':
          for (const expression of node.expressions) discarded(expression, voided);
          return;
        case 'LogicalExpression':
          // The left side is read as the condition; only the right side's value can be thrown away.
          discarded(node.right, voided);
          return;
        case 'ConditionalExpression':
          discarded(node.consequent, voided);
          discarded(node.alternate, voided);
          return;
        default:
          return;
      }
    }

    return {
      ExpressionStatement(node) {
        discarded(node.expression, false);
      },
    };
  },
};
