import { render } from 'preact';
import { App } from './app.js';
import './styles/base.css';
import './styles/pages.css';
import './styles/tree.css';
import './styles/detail.css';
import './styles/lists.css';
import './styles/responsive.css';

render(<App />, document.getElementById('app')!);
