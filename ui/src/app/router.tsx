import { createHashRouter, Navigate, type RouteObject } from 'react-router';

import { ActivityRoute } from './routes/activity';
import { DashboardRoute } from './routes/dashboard';
import { IntegrationsRoute } from './routes/integrations';
import { RootLayout } from './routes/root-layout';
import { SettingsRoute } from './routes/settings';

// Hash routes: the page is served from the app's own protocol, where only index.html exists.
export const routes: RouteObject[] = [
  {
    path: '/',
    element: <RootLayout />,
    children: [
      { index: true, element: <Navigate to="/settings/integrations" replace /> },
      { path: 'settings/integrations', element: <IntegrationsRoute /> },
      { path: 'settings', element: <SettingsRoute /> },
      { path: 'dashboard', element: <DashboardRoute /> },
      { path: 'activity', element: <ActivityRoute /> },
      { path: '*', element: <Navigate to="/settings/integrations" replace /> },
    ],
  },
];

export const createAppRouter = () => createHashRouter(routes);
