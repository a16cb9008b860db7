import { Redirect, Route, Router, Switch } from 'wouter';

import { hashHref, useHashLocation, useHashSearch } from './hash-location';
import { ActivityRoute } from './routes/activity';
import { DashboardRoute } from './routes/dashboard';
import { IntegrationsRoute } from './routes/integrations';
import { RootLayout } from './routes/root-layout';
import { SettingsRoute } from './routes/settings';

/** The app's pages inside the layout; anything unknown goes to Integrations. */
export function AppRoutes() {
  return (
    <Router hook={useHashLocation} searchHook={useHashSearch} hrefs={hashHref}>
      <RootLayout>
        <Switch>
          <Route path="/settings/integrations" component={IntegrationsRoute} />
          <Route path="/settings" component={SettingsRoute} />
          <Route path="/dashboard" component={DashboardRoute} />
          <Route path="/activity" component={ActivityRoute} />
          <Route>
            <Redirect to="/settings/integrations" replace />
          </Route>
        </Switch>
      </RootLayout>
    </Router>
  );
}
