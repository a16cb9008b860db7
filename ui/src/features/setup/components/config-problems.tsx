import { Banner } from '@/components/ui/banner';

/** Settings Evergreen ignored, each in the backend's words (they name the file and the key). */
export function ConfigProblems({ problems }: { problems: string[] }) {
  if (!problems.length) return null;
  return (
    <div className="stack" data-testid="config-problems">
      {problems.map((problem) => (
        <Banner key={problem} tone="warning" title="Setting ignored" data-testid="config-problem">
          {problem}
        </Banner>
      ))}
    </div>
  );
}
