import { describeInput } from '../../errors/qrpin-error.ts';
import { finding, type LintRule } from '../rule.ts';

/** A payload that is not a URL. */
export const destinationPayloadUnparseable: LintRule = {
  id: 'destination-payload-unparseable',
  severity: 'error',
  description:
    'A `web`, `app-link` or `api` payload that is not an absolute URL, or a `deep-link` payload that is not a `scheme:` link.',
  fix: "Write the full URL the code opens (`https://promo.example.com/spring`), or for a deep link your app's link (`exampleapp://offer/42`).",
  check({ destinations }) {
    return destinations.flatMap((d) => {
      if (d.payloadUrl !== undefined) return [];
      const deepLink = d.destination.kind === 'deep-link';
      return [
        finding(
          this,
          ['destinations', d.index, 'payload'],
          `${d.label} (kind ${d.destination.kind}): payload ${describeInput(d.destination.payload, 80)} is not ${deepLink ? 'a link with a scheme' : 'an absolute URL'}`,
          deepLink
            ? "write the link with your app's scheme, e.g. exampleapp://offer/42"
            : 'write the full URL the code opens, starting with https://',
        ),
      ];
    });
  },
};
