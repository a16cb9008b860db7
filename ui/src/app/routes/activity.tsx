import { ActivityList } from '@/features/activity/components/activity-list';

export function ActivityRoute() {
  return (
    <>
      <h1 className="page-title">Activity</h1>
      <ActivityList />
    </>
  );
}
